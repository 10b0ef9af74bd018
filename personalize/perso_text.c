/* Printed text of the resident record's fields, shared by DG1 and the card print so that
 * the chip holds exactly what the card shows. */
#include <stdio.h>
#include <string.h>

#include "ktpel/card_print.h"

static void copy(char *buf, size_t size, const char *text)
{
    snprintf(buf, size, "%s", text ? text : "");
}

char *ktpel_card_field_text(const ktpel_resident *r, size_t i, char *buf, size_t size)
{
    const char *name = ktpel_resident_field_name(i);
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    if (!r || !name)
        return buf;
    if (strcmp(name, "provinsi") == 0)
        copy(buf, size, r->provinsi);
    else if (strcmp(name, "kabupaten") == 0)
        copy(buf, size, r->kabupaten);
    else if (strcmp(name, "nik") == 0)
        copy(buf, size, r->nik);
    else if (strcmp(name, "nama") == 0)
        copy(buf, size, r->nama);
    else if (strcmp(name, "tempat_lahir") == 0)
        copy(buf, size, r->tempat_lahir);
    else if (strcmp(name, "tanggal_lahir") == 0)
        ktpel_date_format_card(r->tanggal_lahir, buf, size);
    else if (strcmp(name, "jenis_kelamin") == 0)
        copy(buf, size, ktpel_sex_name(r->jenis_kelamin));
    else if (strcmp(name, "golongan_darah") == 0)
        copy(buf, size, r->golongan_darah);
    else if (strcmp(name, "alamat") == 0)
        copy(buf, size, r->alamat);
    else if (strcmp(name, "rt_rw") == 0)
        snprintf(buf, size, "%s/%s", r->rt, r->rw);
    else if (strcmp(name, "kel_desa") == 0)
        copy(buf, size, r->kel_desa);
    else if (strcmp(name, "kecamatan") == 0)
        copy(buf, size, r->kecamatan);
    else if (strcmp(name, "agama") == 0)
        copy(buf, size, ktpel_religion_name(r->agama));
    else if (strcmp(name, "status_perkawinan") == 0)
        copy(buf, size, ktpel_marital_name(r->status_perkawinan));
    else if (strcmp(name, "pekerjaan") == 0)
        copy(buf, size, r->pekerjaan);
    else if (strcmp(name, "kewarganegaraan") == 0)
        copy(buf, size, ktpel_citizenship_name(r->kewarganegaraan));
    else if (strcmp(name, "berlaku_hingga") == 0) {
        if (r->seumur_hidup)
            copy(buf, size, "SEUMUR HIDUP");
        else
            ktpel_date_format_card(r->berlaku_hingga, buf, size);
    }
    return buf;
}
