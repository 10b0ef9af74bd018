/* Word lists of the resident synthesis (see synth_resident_tables.h).
 *
 * District codes are those of the Kemendagri list for the three regencies of the service
 * standards. Village, street and hamlet names are plausible for their region but are not an
 * official list: they only have to look right on a card and pass the record's rules. */
#include "synth_resident_tables.h"

/* ---- Kab. Dharmasraya (13.10), Sumatera Barat ------------------------------------------ */

static const char *const v131001[] = {"KOTO BARU", "KOTO PADANG", "AMPANG KURANJI",
                                      "SIALANG GAUNG"};
static const char *const v131002[] = {"SUNGAI DAREH", "SIKABAU", "GUNUNG SELASIH", "SUNGAI KAMBUT"};
static const char *const v131003[] = {"SUNGAI RUMBAI", "KURNIA KOTO SALAK", "SUNGAI LIMAU",
                                      "SUNGAI RUMBAI TIMUR"};
static const char *const v131004[] = {"SITIUNG", "SIGUNTUR", "GUNUNG MEDAN", "SUNGAI DUO"};
static const char *const v131005[] = {"SILAGO", "BANAI", "KOTO NAN AMPEK", "LUBUK KARAK"};
static const char *const v131006[] = {"TIMPEH", "PANYUBARANGAN", "TABEK", "RANAH PALABI"};
static const char *const v131007[] = {"KOTO SALAK", "AMPALU", "SUNGAI SIRAH", "KOTO RANAH"};
static const char *const v131008[] = {"TIUMANG", "SIPANGKUR", "KOTO BESAR HILIR", "SUNGAI LANGKOK"};
static const char *const v131009[] = {"PADANG LAWEH", "PADANG LAWEH SELATAN", "SUNGAI DAREH HULU"};
static const char *const v131010[] = {"ALAHAN NAN TIGO", "SUNGAI LIMAU HULU", "LUBUK KARAK",
                                      "ASAM JUJUHAN"};
static const char *const v131011[] = {"KOTO BESAR", "KOTO LAWEH", "ABAI SIAT", "BONJOL"};

/* ---- Kab. Magetan (35.20), Jawa Timur -------------------------------------------------- */

static const char *const v352001[] = {"PONCOL", "ALASTUWO", "CILENG", "GONGGANG", "JANGGAN"};
static const char *const v352002[] = {"PARANG", "JOKETRO", "NGAGLIK", "SAYUTAN", "BUNGKUK"};
static const char *const v352003[] = {"LEMBEYAN KULON", "LEMBEYAN WETAN", "KEDIREN", "TAPEN"};
static const char *const v352004[] = {"TAKERAN", "KERIK", "KIRINGAN", "KUWONHARJO", "DUYUNG"};
static const char *const v352005[] = {"KAWEDANAN", "BOGEM", "GARON", "GIRIPURNO", "MANGUNREJO"};
static const char *const v352006[] = {"SELOSARI",     "TAMBRAN",    "KEPOLOREJO",
                                      "SUKOWINANGUN", "TAWANGANOM", "BULUKERTO"};
static const char *const v352007[] = {"PLAOSAN", "SARANGAN", "BULUGUNUNG", "BULUHARJO", "NGANCAR"};
static const char *const v352008[] = {"PANEKAN", "SIDOWAYAH", "JABUNG", "MANJUNG", "CEPOKO"};
static const char *const v352009[] = {"SUKOMORO", "BANDAR", "KALANGKETI", "KENTANGAN", "BIBIS"};
static const char *const v352010[] = {"BENDO", "BELOTAN", "CARIKAN", "KINANDANG", "SETREN"};
static const char *const v352011[] = {"MAOSPATI", "RONOWIJAYAN", "SUGIHWARAS", "KRATON", "GULUN"};
static const char *const v352012[] = {"BANJAREJO", "BANGUNASRI", "BLARAN", "REJOMULYO", "TEBON"};
static const char *const v352013[] = {"KARANGREJO", "BALUK", "GEBYOG", "GRABAHAN", "PELEM"};
static const char *const v352014[] = {"KARAS", "BOTOK", "GEPLAK", "JUNGKE", "TEMBORO"};
static const char *const v352015[] = {"KARTOHARJO", "BAYEM TAMAN", "GUNUNGAN", "JAJAR", "SUKOWIDI"};
static const char *const v352016[] = {"NGARIBOYO", "BALEGONDO", "BANJARPANJANG", "SELOPANGGUNG"};
static const char *const v352017[] = {"NGUNTORONADI", "DRIYOREJO", "GORANG GARENG", "SIMBATAN"};
static const char *const v352018[] = {"SIDOREJO", "SIDOKERTO", "SUMBERSAWIT", "DURENAN", "KALANG"};

/* ---- Kab. Sintang (61.05), Kalimantan Barat ------------------------------------------- */

static const char *const v610501[] = {
    "KAPUAS KANAN HULU", "KAPUAS KIRI HILIR", "TANJUNG PURI", "LADANG", "BANING KOTA", "MENGKURAI"};
static const char *const v610502[] = {"TEMPUNAK KAPUAS", "PEKAWAI", "BENUA KERAMAT", "KUPAN JAYA"};
static const char *const v610503[] = {"NANGA SEPAUK", "TANJUNG RIA", "TEMAWANG MUNTAI",
                                      "PAOH BENUA"};
static const char *const v610504[] = {"NANGA KETUNGAU", "SETUNGKUP", "SUNGAI MALI",
                                      "SUNGAI ENTAKAI"};
static const char *const v610505[] = {"NANGA MERAKAI", "SUNGAI AREH", "WAR RADEN", "NANGA BAYAN"};
static const char *const v610506[] = {"SENANING", "SUNGAI SERIA", "EMPURA", "RIAM SEJAWAK"};
static const char *const v610507[] = {"NANGA DEDAI", "MANDUNG", "EMPONYANG", "PENYURUNG"};
static const char *const v610508[] = {"NANGA MAU", "NANGA PINTAS", "JAJANG PERMAI", "SUNGAI BIDAN"};
static const char *const v610509[] = {"NANGA TEBIDAH", "NANGA PAYAK", "LANDAU TUBUN", "ENGKILILI"};
static const char *const v610514[] = {"NANGA SERAWAI", "NANGA RIYOI", "TONTANG", "BUNTUT SABON"};
static const char *const v610515[] = {"NANGA AMBALAU", "KEMANGAI", "NANGA SENGIANG", "BUNGAN JAYA"};
static const char *const v610519[] = {"ENSAID PANJANG", "MERPAK", "KEBONG", "KELAM SEJAHTERA"};
static const char *const v610520[] = {"BALAI AGUNG", "MANUNGGAL JAYA", "MEKAR SARI",
                                      "SUNGAI LIMAU"};
static const char *const v610521[] = {"BINJAI", "SUNGAI RISAP", "EMPAKAN", "SIMPANG PAYANG"};

#define D(p, r, d, name, villages)                                                                 \
    {                                                                                              \
        p, r, d, name, WORDS(villages)                                                             \
    }

const synth_district synth_districts[] = {
    D(13, 10, 1, "KOTO BARU", v131001),     D(13, 10, 2, "PULAU PUNJUNG", v131002),
    D(13, 10, 3, "SUNGAI RUMBAI", v131003), D(13, 10, 4, "SITIUNG", v131004),
    D(13, 10, 5, "SEMBILAN KOTO", v131005), D(13, 10, 6, "TIMPEH", v131006),
    D(13, 10, 7, "KOTO SALAK", v131007),    D(13, 10, 8, "TIUMANG", v131008),
    D(13, 10, 9, "PADANG LAWEH", v131009),  D(13, 10, 10, "ASAM JUJUHAN", v131010),
    D(13, 10, 11, "KOTO BESAR", v131011),   D(35, 20, 1, "PONCOL", v352001),
    D(35, 20, 2, "PARANG", v352002),        D(35, 20, 3, "LEMBEYAN", v352003),
    D(35, 20, 4, "TAKERAN", v352004),       D(35, 20, 5, "KAWEDANAN", v352005),
    D(35, 20, 6, "MAGETAN", v352006),       D(35, 20, 7, "PLAOSAN", v352007),
    D(35, 20, 8, "PANEKAN", v352008),       D(35, 20, 9, "SUKOMORO", v352009),
    D(35, 20, 10, "BENDO", v352010),        D(35, 20, 11, "MAOSPATI", v352011),
    D(35, 20, 12, "BARAT", v352012),        D(35, 20, 13, "KARANGREJO", v352013),
    D(35, 20, 14, "KARAS", v352014),        D(35, 20, 15, "KARTOHARJO", v352015),
    D(35, 20, 16, "NGARIBOYO", v352016),    D(35, 20, 17, "NGUNTORONADI", v352017),
    D(35, 20, 18, "SIDOREJO", v352018),     D(61, 5, 1, "SINTANG", v610501),
    D(61, 5, 2, "TEMPUNAK", v610502),       D(61, 5, 3, "SEPAUK", v610503),
    D(61, 5, 4, "KETUNGAU HILIR", v610504), D(61, 5, 5, "KETUNGAU TENGAH", v610505),
    D(61, 5, 6, "KETUNGAU HULU", v610506),  D(61, 5, 7, "DEDAI", v610507),
    D(61, 5, 8, "KAYAN HILIR", v610508),    D(61, 5, 9, "KAYAN HULU", v610509),
    D(61, 5, 14, "SERAWAI", v610514),       D(61, 5, 15, "AMBALAU", v610515),
    D(61, 5, 19, "KELAM PERMAI", v610519),  D(61, 5, 20, "SUNGAI TEBELIAN", v610520),
    D(61, 5, 21, "BINJAI HULU", v610521),
};
const size_t synth_district_count = sizeof synth_districts / sizeof synth_districts[0];

_Static_assert(sizeof synth_districts / sizeof synth_districts[0] == 43,
               "KTPEL_SYNTH_MAX_IDENTITIES assumes 43 districts");

/* ---- regencies ------------------------------------------------------------------------- */

static const char *const towns_dharmasraya[] = {"PULAU PUNJUNG", "SITIUNG",     "KOTO BARU",
                                                "SUNGAI RUMBAI", "DHARMASRAYA", "SUNGAI DAREH"};
static const char *const streets_dharmasraya[] = {
    "LINTAS SUMATERA", "SUDIRMAN", "IMAM BONJOL",   "PROKLAMASI", "BAGINDO AZIZ CHAN",
    "PEMUDA",          "M. HATTA", "SUTAN SYAHRIR", "DIPONEGORO", "MERDEKA"};
static const char *const hamlets_dharmasraya[] = {"KOTO TUO",      "BALAI TANGAH", "SUNGAI BULIAN",
                                                  "PASAR LAMO",    "KAMPUNG BARU", "PADANG SIRING",
                                                  "BUKIK TUNGGUL", "SIMPANG TIGO"};

static const char *const towns_magetan[] = {"MAGETAN", "MAOSPATI", "PLAOSAN", "MADIUN",
                                            "NGAWI",   "PONOROGO", "PARANG",  "SUKOMORO"};
static const char *const streets_magetan[] = {
    "PAHLAWAN",      "DIPONEGORO",    "A. YANI",  "GATOT SUBROTO", "KARTINI", "SAWO",
    "RAYA MAOSPATI", "BASUKI RAHMAT", "SARANGAN", "MENUR",         "MELATI",  "KENANGA"};
static const char *const hamlets_magetan[] = {"KRAJAN",    "NGRANDU", "GONDANG", "SUMBEREJO",
                                              "PUTUK",     "NGLEGOK", "BANARAN", "KEBONAGUNG",
                                              "TEGALREJO", "JATIREJO"};

static const char *const towns_sintang[] = {"SINTANG",  "NANGA PINOH", "SEPAUK", "SENANING",
                                            "TEMPUNAK", "PONTIANAK",   "DEDAI",  "KETUNGAU"};
static const char *const streets_sintang[] = {
    "MT. HARYONO",     "LINTAS MELAWI",     "KELAM",    "OEVANG OERAY",
    "DR. WAHIDIN",     "PATIMURA",          "SUDIRMAN", "YC. OEVANG OERAY",
    "PANGERAN KUNING", "SINTANG-PUTUSSIBAU"};
static const char *const hamlets_sintang[] = {"TANJUNG", "NANGA",   "SUNGAI ULU", "LUBUK TAPANG",
                                              "PANCUR",  "EMPAKAN", "TEMAWANG",   "SEKOLAH"};

/* Ethnic weights per mille: javanese, sundanese, minang, batak, dayak, malay, chinese,
 * eastern, foreign (foreign residents are drawn apart, with the population's wna_share). */
const synth_regency synth_regencies[] = {
    {13,
     10,
     "SUMATERA BARAT",
     "KABUPATEN DHARMASRAYA",
     WORDS(towns_dharmasraya),
     WORDS(streets_dharmasraya),
     "JORONG",
     WORDS(hamlets_dharmasraya),
     {280, 30, 600, 50, 0, 10, 10, 20, 0}},
    {35,
     20,
     "JAWA TIMUR",
     "KABUPATEN MAGETAN",
     WORDS(towns_magetan),
     WORDS(streets_magetan),
     "DUSUN",
     WORDS(hamlets_magetan),
     {950, 20, 0, 0, 0, 0, 15, 15, 0}},
    {61,
     5,
     "KALIMANTAN BARAT",
     "KABUPATEN SINTANG",
     WORDS(towns_sintang),
     WORDS(streets_sintang),
     "DUSUN",
     WORDS(hamlets_sintang),
     {120, 10, 0, 30, 450, 300, 70, 20, 0}},
};
const size_t synth_regency_count = sizeof synth_regencies / sizeof synth_regencies[0];

/* ---- names ----------------------------------------------------------------------------- */

static const char *const jv_m[] = {
    "BAMBANG", "SUKARDI",  "AGUS",   "BUDI",     "JOKO",     "SLAMET",    "WAHYU",    "EKO",
    "DWI",     "TRI",      "HERU",   "ADI",      "SUGENG",   "SUPRIYADI", "PRASETYO", "NUGROHO",
    "SANTOSO", "SETIAWAN", "WIBOWO", "HARTONO",  "SUTRISNO", "WIDODO",    "PURNOMO",  "SUPARMAN",
    "MULYONO", "RUDI",     "YUDHA",  "ARIF",     "ANDIK",    "FAJAR",     "RIZKY",    "DIMAS",
    "BAYU",    "GALIH",    "ILHAM",  "MUHAMMAD", "AHMAD",    "SUYATNO",   "KASIMAN",  "SARIMIN"};
static const char *const jv_f[] = {
    "SRI",     "SITI",    "ENDANG",   "WAHYUNI",   "LESTARI", "RAHAYU",       "SUSANTI",
    "DWI",     "TRI",     "NINGSIH",  "PUJI",      "ASTUTI",  "SETYANINGSIH", "KURNIAWATI",
    "RATNA",   "DEWI",    "PURWANTI", "WULANDARI", "INDAH",   "YULIANTI",     "SUPARMI",
    "SUMIATI", "TUMINAH", "SARTINI",  "ANISA",     "NUR",     "AYU",          "FITRIA",
    "RINI",    "ERNA",    "WIWIK",    "KARTINI",   "LILIS",   "SULASTRI"};
static const char *const jv_m_c[] = {"YOHANES", "ANTONIUS", "PAULUS",    "PETRUS",
                                     "YUSUF",   "STEFANUS", "SUPRIYADI", "HARYANTO",
                                     "BUDI",    "AGUS",     "WIDODO",    "SANTOSO"};
static const char *const jv_f_c[] = {"MARIA",  "THERESIA", "YOHANA", "AGNES",     "SRI",
                                     "ENDANG", "LESTARI",  "RAHAYU", "WULANDARI", "KRISTINA"};

static const char *const su_m[] = {
    "ASEP",   "DEDE",   "CECEP",    "UJANG",   "DADANG",    "JAJANG", "AGUS",    "ENDANG",
    "YAYAT",  "ROHMAT", "SAEPULOH", "HIDAYAT", "SUPRIATNA", "KURNIA", "GUNAWAN", "DEDI",
    "HENDRA", "IWAN",   "RIDWAN",   "SOLIHIN", "NANDANG",   "ENCEP",  "AEP",     "ARIP"};
static const char *const su_f[] = {
    "ENENG",     "EUIS",       "NENG", "IMAS",    "TITIN",     "YAYAH", "NENENG", "ROHAYATI",
    "NURHAYATI", "KOMALASARI", "SRI",  "DEDEH",   "CUCU",      "IIS",   "LILIS",  "ELIS",
    "YANTI",     "RINA",       "SITI", "NURAENI", "WIDIAWATI", "ANI"};

static const char *const mi_m[] = {
    "AFRIZAL", "ZULKIFLI", "RIZAL",  "YUSRIZAL", "HENDRI", "DEDI",     "FIRDAUS", "SYAHRUL",
    "ANDIKA",  "FAUZAN",   "RAHMAT", "ILHAM",    "ARIF",   "ZULFIKAR", "ERIZAL",  "DODI",
    "YONGKI",  "AIDIL",    "FAJRI",  "HABIBUL",  "ZAINAL", "BUSTAMI",  "SYAFRIL", "NOFRIZAL",
    "PUTRA",   "SAPUTRA",  "EFENDI", "MUHAMMAD", "RIDHO"};
static const char *const mi_f[] = {
    "YULIA",  "FITRI", "NOVIA",  "RAHMI",    "DESI",      "YENI",      "MISNAWATI", "SUSI",
    "ELVI",   "RINA",  "WIDIA",  "YUSNIDAR", "NURHAYATI", "ROSMANIAR", "ERNAWATI",  "SILVIA",
    "MELATI", "PUTRI", "AFRIDA", "ZULHAIDA", "YELMI",     "NOVITA",    "RAHMAWATI", "HAYATI"};

static const char *const bt_m_c[] = {
    "JONI",  "ROBERT",  "HOTMAN", "PARLINDUNGAN", "MARUDUT", "TUMPAL", "DANIEL",  "SAHAT",
    "BONAR", "JHONSON", "MARTUA", "POLTAK",       "RICARDO", "SAMUEL", "BERNARD", "HENDRIK"};
static const char *const bt_f_c[] = {"MARIA",    "ROSMAWATI", "LAMRIA",   "DUMARIA",
                                     "TIOMINAR", "ROSDIANA",  "HOTNIDA",  "SARMAULI",
                                     "DORIS",    "ELFRIDA",   "NURMAIDA", "RUTH"};
static const char *const bt_m_m[] = {"AHMAD",  "MUHAMMAD", "SYAHRIL", "ZULKARNAEN", "IRFAN",
                                     "FAISAL", "RAHMAT",   "AMIR",    "HASAN",      "IKHWAN"};
static const char *const bt_f_m[] = {"NURHAYATI", "SITI",    "ROSMIDA", "AMINAH", "FATIMAH",
                                     "NURLELA",   "HALIMAH", "SALMAH",  "ROHANI", "ASMA"};
static const char *const bt_marga[] = {
    "SIHOMBING", "SIMANJUNTAK", "SITUMORANG", "SINAGA",  "NAINGGOLAN", "HUTAGALUNG", "PANJAITAN",
    "SIREGAR",   "NASUTION",    "LUBIS",      "HARAHAP", "TAMPUBOLON", "MANURUNG",   "SIMATUPANG",
    "PASARIBU",  "SITORUS",     "HUTAPEA",    "SIAHAAN", "SILALAHI",   "PARDEDE"};

static const char *const dy_m_c[] = {
    "YOHANES",   "ANTONIUS",   "MARKUS",    "PAULUS",   "YOSEF",      "STEFANUS", "LAURENSIUS",
    "AGUSTINUS", "FRANSISKUS", "KORNELIUS", "YULIANUS", "BENEDIKTUS", "SIMON",    "MATIUS"};
static const char *const dy_f_c[] = {"MARIA",    "MARSELINA", "THERESIA", "ELISABETH",
                                     "YOSEFINA", "MAGDALENA", "VERONIKA", "KRISTINA",
                                     "YULIANA",  "MARTA",     "AGATHA",   "SESILIA"};
static const char *const dy_m_o[] = {"ANYANG", "JALONG", "IMBANG", "ASANG",   "LUHAT",
                                     "BIDAU",  "UKAT",   "LANSAU", "RAMBANG", "NYAWING"};
static const char *const dy_f_o[] = {"IBAU",  "INAI",  "DAYANG", "LANYAU", "ENDAI",
                                     "ANYAU", "UNTAL", "ITAN",   "DOMA",   "UNYANG"};
static const char *const dy_second[] = {
    "ANYANG",  "JALONG",  "IMBANG", "ASANG",     "LUHAT", "BIDAU", "UKAT", "LANSAU",
    "RAMBANG", "NYAWING", "DJAMIN", "SENGKUANG", "BUNSU", "AMAN",  "ATOK", "JENGAN"};

static const char *const ml_m[] = {
    "MUHAMMAD", "ABANG",     "SYARIF", "RAHMAN",   "HAMDAN", "JUNAIDI", "ABDUL",  "RAZAK",
    "SUHAIMI",  "ZAINUDDIN", "HERMAN", "SAMSUDIN", "IDRUS",  "YUSUF",   "RUSLAN", "FIRMAN"};
static const char *const ml_f[] = {"UTIN",   "DAYANG",   "NURHASANAH", "SALMAH", "FATIMAH",
                                   "AISYAH", "RUSMINAH", "HALIMAH",    "NORMA",  "JUMIATI",
                                   "ROSNAH", "MARIANI",  "SITI",       "ZAHARA"};

static const char *const cn_m_o[] = {"HENDRA", "SUSANTO", "BUDI",  "HARTONO", "HALIM",   "GUNAWAN",
                                     "SALIM",  "HENDRIK", "JOHAN", "TJHAI",   "AKHIONG", "AHUI"};
static const char *const cn_f_o[] = {"LINDA",   "SUSI", "MEILANI", "LIANA",
                                     "JULIANA", "VIVI", "LIMIATI", "MEILIANA",
                                     "AFUK",    "AMOI", "LILY",    "SUWARNI"};
static const char *const cn_m_c[] = {"WILLIAM", "KEVIN",  "STEVEN",  "MICHAEL", "JONATHAN",
                                     "ALBERT",  "ROBERT", "VINCENT", "FELIX",   "DAVID"};
static const char *const cn_f_c[] = {"WENDY",   "CHRISTINE", "FELICIA",  "YENNY", "MELISA",
                                     "JESSICA", "STEFANI",   "VERONIKA", "GRACE", "MONICA"};
static const char *const cn_family[] = {"WIJAYA",    "GUNAWAN",  "HALIM",   "TANUWIJAYA",
                                        "SANTOSO",   "SUSILO",   "LIMANTO", "HARTANTO",
                                        "KURNIAWAN", "SUGIANTO", "SETIADI", "TANOTO"};

static const char *const ea_m[] = {"YOHANES", "FRANSISKUS", "YOSEF",  "AGUSTINUS", "MARTHEN",
                                   "DANIEL",  "FREDI",      "JEMMY",  "RONALD",    "ALFONS",
                                   "YAKOBUS", "PETRUS",     "SAMUEL", "NOVRI"};
static const char *const ea_f[] = {"MARIA",   "MARTHA",  "YULIANA",   "FERONIKA",
                                   "SELVI",   "DEICY",   "MEIKE",     "ANASTASIA",
                                   "YOLANDA", "NATALIA", "FRANSISKA", "KATARINA"};
static const char *const ea_family[] = {"LUMENTUT",  "WAWORUNTU",    "SONDAKH",    "PANGEMANAN",
                                        "RUNTUWENE", "WOWOR",        "PATTIASINA", "LATUHARHARY",
                                        "TUHUMURY",  "PATTIPEILOHY", "DA COSTA",   "DA SILVA",
                                        "PAREIRA",   "LAKE",         "NONG",       "WANGGE"};

/* ---- places of birth away from home ---------------------------------------------------- */

static const char *const bp_jv[] = {"SURAKARTA", "YOGYAKARTA", "WONOGIRI", "KLATEN", "BOYOLALI",
                                    "MADIUN",    "NGAWI",      "PONOROGO", "KEDIRI", "SURABAYA"};
static const char *const bp_su[] = {"BANDUNG", "GARUT",    "TASIKMALAYA", "SUMEDANG",
                                    "CIANJUR", "SUKABUMI", "CIAMIS"};
static const char *const bp_mi[] = {"PADANG",      "BUKITTINGGI", "SOLOK",   "PAYAKUMBUH",
                                    "BATUSANGKAR", "SIJUNJUNG",   "PARIAMAN"};
static const char *const bp_bt[] = {"MEDAN",   "PEMATANGSIANTAR", "TARUTUNG",  "BALIGE",
                                    "SIBOLGA", "PADANGSIDIMPUAN", "PANGURURAN"};
static const char *const bp_dy[] = {"SINTANG",     "PUTUSSIBAU", "SANGGAU",
                                    "NANGA PINOH", "SEKADAU",    "SEPAUK"};
static const char *const bp_ml[] = {"PONTIANAK", "SINTANG", "SANGGAU", "KETAPANG", "MEMPAWAH"};
static const char *const bp_cn[] = {"PONTIANAK", "SINGKAWANG", "MEDAN",  "PADANG",
                                    "SURABAYA",  "MADIUN",     "JAKARTA"};
static const char *const bp_ea[] = {"MANADO", "AMBON",   "MAUMERE",  "ENDE",
                                    "KUPANG", "TOMOHON", "LARANTUKA"};
#define NONE                                                                                       \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Religion weights per mille: Islam, Kristen, Katholik, Hindu, Budha, Khonghucu,
 * Kepercayaan. */
const synth_ethnic synth_ethnics[KTPEL_SYNTH_ETHNICITY_COUNT] = {
    [KTPEL_SYNTH_JAVANESE] = {WORDS(jv_m),
                              WORDS(jv_f),
                              WORDS(jv_m_c),
                              WORDS(jv_f_c),
                              WORDS(jv_m),
                              WORDS(jv_f),
                              NONE,
                              0,
                              WORDS(bp_jv),
                              {930, 30, 20, 5, 5, 0, 10}},
    [KTPEL_SYNTH_SUNDANESE] = {WORDS(su_m),
                               WORDS(su_f),
                               WORDS(su_m),
                               WORDS(su_f),
                               WORDS(su_m),
                               WORDS(su_f),
                               NONE,
                               0,
                               WORDS(bp_su),
                               {980, 20, 0, 0, 0, 0, 0}},
    [KTPEL_SYNTH_MINANG] = {WORDS(mi_m),
                            WORDS(mi_f),
                            WORDS(mi_m),
                            WORDS(mi_f),
                            WORDS(mi_m),
                            WORDS(mi_f),
                            NONE,
                            0,
                            WORDS(bp_mi),
                            {1000, 0, 0, 0, 0, 0, 0}},
    [KTPEL_SYNTH_BATAK] = {WORDS(bt_m_m),
                           WORDS(bt_f_m),
                           WORDS(bt_m_c),
                           WORDS(bt_f_c),
                           WORDS(bt_m_c),
                           WORDS(bt_f_c),
                           WORDS(bt_marga),
                           1000,
                           WORDS(bp_bt),
                           {250, 600, 150, 0, 0, 0, 0}},
    [KTPEL_SYNTH_DAYAK] = {WORDS(ml_m),
                           WORDS(ml_f),
                           WORDS(dy_m_c),
                           WORDS(dy_f_c),
                           WORDS(dy_m_o),
                           WORDS(dy_f_o),
                           WORDS(dy_second),
                           700,
                           WORDS(bp_dy),
                           {80, 350, 500, 0, 0, 0, 70}},
    [KTPEL_SYNTH_MALAY] = {WORDS(ml_m),
                           WORDS(ml_f),
                           WORDS(ml_m),
                           WORDS(ml_f),
                           WORDS(ml_m),
                           WORDS(ml_f),
                           NONE,
                           0,
                           WORDS(bp_ml),
                           {1000, 0, 0, 0, 0, 0, 0}},
    [KTPEL_SYNTH_CHINESE] = {WORDS(cn_m_o),
                             WORDS(cn_f_o),
                             WORDS(cn_m_c),
                             WORDS(cn_f_c),
                             WORDS(cn_m_o),
                             WORDS(cn_f_o),
                             WORDS(cn_family),
                             600,
                             WORDS(bp_cn),
                             {20, 250, 200, 0, 380, 150, 0}},
    [KTPEL_SYNTH_EASTERN] = {WORDS(ea_m),
                             WORDS(ea_f),
                             WORDS(ea_m),
                             WORDS(ea_f),
                             WORDS(ea_m),
                             WORDS(ea_f),
                             WORDS(ea_family),
                             1000,
                             WORDS(bp_ea),
                             {0, 550, 450, 0, 0, 0, 0}},
    /* Foreign residents take their names from synth_nationalities. */
    [KTPEL_SYNTH_FOREIGN] =
        {NONE, NONE, NONE, NONE, NONE, NONE, NONE, 0, NONE, {1, 0, 0, 0, 0, 0, 0}},
};

/* ---- foreign residents ---------------------------------------------------------------- */

static const char *const nl_m[] = {"JOHANNES", "PIETER", "WILLEM", "DANIËL", "JAN"};
static const char *const nl_f[] = {"ANNA", "SOPHIE", "MAAIKE", "EVA", "FLEUR"};
static const char *const nl_n[] = {"VAN DER BERG", "DE VRIES", "JANSEN", "BAKKER", "VISSER"};
static const char *const nl_p[] = {"UTRECHT", "AMSTERDAM", "ROTTERDAM", "DEN HAAG"};
static const char *const au_m[] = {"JAMES", "MICHAEL", "DAVID", "ANDREW", "THOMAS"};
static const char *const au_f[] = {"EMILY", "SARAH", "JESSICA", "REBECCA", "CLAIRE"};
static const char *const au_n[] = {"SMITH", "ANDERSON", "O'BRIEN", "TAYLOR", "MITCHELL"};
static const char *const au_p[] = {"PERTH", "SYDNEY", "MELBOURNE", "DARWIN"};
static const char *const jp_m[] = {"HIROSHI", "KENJI", "TAKESHI", "DAISUKE", "YUTA"};
static const char *const jp_f[] = {"YUKI", "AYAKO", "HARUKA", "MEGUMI", "NAOMI"};
static const char *const jp_n[] = {"TANAKA", "SATO", "SUZUKI", "WATANABE", "YAMAMOTO"};
static const char *const jp_p[] = {"OSAKA", "TOKYO", "NAGOYA", "FUKUOKA"};
static const char *const kr_m[] = {"MIN JUN", "JI HOON", "SEUNG HO", "DONG HYUN", "JAE WON"};
static const char *const kr_f[] = {"SEO YEON", "JI WOO", "SU BIN", "HYE JIN", "MIN JI"};
static const char *const kr_n[] = {"KIM", "PARK", "LEE", "CHOI", "JUNG"};
static const char *const kr_p[] = {"BUSAN", "SEOUL", "INCHEON", "DAEGU"};
static const char *const my_m[] = {"MOHD FAIZAL", "AHMAD ZAKI", "MUHAMMAD HAFIZ", "AZLAN", "IDRIS"};
static const char *const my_f[] = {"NUR AISYAH", "SITI HAJAR", "NURUL IZZAH", "FARAH", "AMINAH"};
static const char *const my_n[] = {"ISMAIL", "HASSAN", "ABDULLAH", "OTHMAN", "YUSOF"};
static const char *const my_p[] = {"KUALA LUMPUR", "JOHOR BAHRU", "KUCHING", "PONTIAN"};
static const char *const de_m[] = {"JÜRGEN", "STEFAN", "KLAUS", "MATTHIAS", "JÖRG"};
static const char *const de_f[] = {"BIRGIT", "SABINE", "ANDREA", "JULIA", "KATRIN"};
static const char *const de_n[] = {"MÜLLER", "SCHMIDT", "WEBER", "SCHÄFER", "KOCH"};
static const char *const de_p[] = {"MÜNCHEN", "HAMBURG", "KÖLN", "FRANKFURT"};
static const char *const fr_m[] = {"FRANÇOIS", "PIERRE", "JÉRÔME", "LUC", "NICOLAS"};
static const char *const fr_f[] = {"HÉLÈNE", "CÉLINE", "MARIE", "ÉLODIE", "CLAIRE"};
static const char *const fr_n[] = {"LEFÈVRE", "DUBOIS", "MOREAU", "GIRARD", "FAURE"};
static const char *const fr_p[] = {"LYON", "PARIS", "MARSEILLE", "NANTES"};
static const char *const ph_m[] = {"JOSÉ", "RAMON", "MARK ANTHONY", "JOEL", "RODEL"};
static const char *const ph_f[] = {"MARÍA", "MARICEL", "JOCELYN", "ROWENA", "GRACE"};
static const char *const ph_n[] = {"SANTOS", "REYES", "DELA CRUZ", "GARCÍA", "BAUTISTA"};
static const char *const ph_p[] = {"MANILA", "CEBU", "DAVAO", "QUEZON CITY"};

#define NATION(m, f, n, p, order, ...)                                                             \
    {                                                                                              \
        WORDS(m), WORDS(f), WORDS(n), WORDS(p), order,                                             \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

/* Religion weights as for synth_ethnics. */
const synth_nationality synth_nationalities[] = {
    NATION(nl_m, nl_f, nl_n, nl_p, GIVEN_FAMILY, 0, 600, 400, 0, 0, 0, 0),
    NATION(au_m, au_f, au_n, au_p, GIVEN_FAMILY, 0, 600, 400, 0, 0, 0, 0),
    NATION(jp_m, jp_f, jp_n, jp_p, FAMILY_GIVEN, 0, 150, 50, 0, 800, 0, 0),
    NATION(kr_m, kr_f, kr_n, kr_p, FAMILY_GIVEN, 0, 600, 150, 0, 250, 0, 0),
    NATION(my_m, my_f, my_n, my_p, GIVEN_PATRONYM, 1000, 0, 0, 0, 0, 0, 0),
    NATION(de_m, de_f, de_n, de_p, GIVEN_FAMILY, 0, 550, 450, 0, 0, 0, 0),
    NATION(fr_m, fr_f, fr_n, fr_p, GIVEN_FAMILY, 0, 100, 900, 0, 0, 0, 0),
    NATION(ph_m, ph_f, ph_n, ph_p, GIVEN_FAMILY, 0, 100, 900, 0, 0, 0, 0),
};
const size_t synth_nationality_count = sizeof synth_nationalities / sizeof synth_nationalities[0];

/* ---- occupations (Dukcapil's list, as printed) ----------------------------------------- */

static const char *const jobs_young[] = {"PELAJAR/MAHASISWA", "PELAJAR/MAHASISWA",
                                         "PELAJAR/MAHASISWA", "BELUM/TIDAK BEKERJA",
                                         "KARYAWAN SWASTA",   "BURUH HARIAN LEPAS"};
static const char *const jobs_adult[] = {"PETANI/PEKEBUN",
                                         "PETANI/PEKEBUN",
                                         "WIRASWASTA",
                                         "WIRASWASTA",
                                         "KARYAWAN SWASTA",
                                         "BURUH HARIAN LEPAS",
                                         "BURUH TANI/PERKEBUNAN",
                                         "PEDAGANG",
                                         "PEGAWAI NEGERI SIPIL (PNS)",
                                         "GURU",
                                         "SOPIR",
                                         "PERDAGANGAN",
                                         "PETERNAK",
                                         "KARYAWAN HONORER",
                                         "PERAWAT",
                                         "BIDAN",
                                         "TUKANG KAYU",
                                         "TUKANG BATU",
                                         "NELAYAN/PERIKANAN",
                                         "TENTARA NASIONAL INDONESIA (TNI)",
                                         "KEPOLISIAN RI (POLRI)",
                                         "KARYAWAN BUMN",
                                         "DOKTER",
                                         "MEKANIK",
                                         "TRANSPORTASI"};
static const char *const jobs_home[] = {"MENGURUS RUMAH TANGGA"};
static const char *const jobs_old[] = {"PENSIUNAN", "PETANI/PEKEBUN", "WIRASWASTA",
                                       "MENGURUS RUMAH TANGGA", "BELUM/TIDAK BEKERJA"};
static const char *const jobs_foreign[] = {
    "KARYAWAN SWASTA", "WIRASWASTA", "DOSEN",   "MENGURUS RUMAH TANGGA",
    "PENDETA",         "KONSULTAN",  "PENELITI"};

const word_list synth_jobs_young = WORDS(jobs_young);
const word_list synth_jobs_adult = WORDS(jobs_adult);
const word_list synth_jobs_home = WORDS(jobs_home);
const word_list synth_jobs_old = WORDS(jobs_old);
const word_list synth_jobs_foreign = WORDS(jobs_foreign);
