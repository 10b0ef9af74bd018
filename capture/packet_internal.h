/* What capture/packet.c (the container) and capture/packet_seal.c (CMS, files) share. */
#ifndef KTPEL_PACKET_INTERNAL_H
#define KTPEL_PACKET_INTERNAL_H

#include "ktpel/packet.h"

#define PACKET_META_NAME    "packet.txt"
#define PACKET_CAPTURE_NAME "capture.txt"
#define PACKET_RECORD_NAME  "record.txt"
/* The entries' data in all, leaving room for the headers and the two text entries. */
#define PACKET_DATA_MAX (KTPEL_PACKET_CONTAINER_MAX - (1u << 20))

typedef struct packet_entry {
    char name[KTPEL_PACKET_NAME_MAX + 1];
    uint8_t *data;
    size_t len;
} packet_entry;

struct ktpel_packet {
    ktpel_packet_meta meta;
    packet_entry *entries; /* sorted by name (strcmp) */
    size_t n, cap, total;
    ktpel_packet_capture *caps;
    size_t ncaps, capcap;
};

/* True if name (len bytes) is an allowed entry name. */
bool packet_name_valid(const char *name, size_t len);
/* Checks the metadata's fields; need_station: station_id may not be "". */
ktpel_err packet_meta_check(const ktpel_packet_meta *m, bool need_station, ktpel_errbuf *eb);
/* The generated packet.txt and capture.txt of p (malloc'd; free() them). */
ktpel_err packet_texts(const ktpel_packet *p, char **meta, size_t *meta_len, char **caps,
                       size_t *caps_len, ktpel_errbuf *eb);

#endif
