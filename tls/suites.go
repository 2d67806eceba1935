package tls

import (
	"sort"
	"strings"
)

// rawSuiteNames is the cipher-suite table: the IANA TLS Cipher Suites registry
// entries that anything deployed ever negotiated (everything OpenSSL, sslscan
// and testssl.sh know, minus GOST, SM4 and ECCPWD), plus a few historical
// non-IANA codepoints that old servers still answer to (the EXPORT1024 draft
// suites 0x0060-0x0066 and the pre-RFC 7905 ChaCha20 suites 0xCC13-0xCC15).
// Every other attribute of a Suite is derived from the name by rawParseSuite,
// so the table cannot disagree with itself.
var rawSuiteNames = []struct {
	id   uint16
	name string
}{
	{0x0001, "TLS_RSA_WITH_NULL_MD5"},
	{0x0002, "TLS_RSA_WITH_NULL_SHA"},
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
	{0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
	{0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
	{0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
	{0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA"},
	{0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA"},
	{0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
	{0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
	{0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"},
	{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
	{0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"},
	{0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA"},
	{0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0x001E, "TLS_KRB5_WITH_DES_CBC_SHA"},
	{0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"},
	{0x0020, "TLS_KRB5_WITH_RC4_128_SHA"},
	{0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA"},
	{0x0022, "TLS_KRB5_WITH_DES_CBC_MD5"},
	{0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"},
	{0x0024, "TLS_KRB5_WITH_RC4_128_MD5"},
	{0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5"},
	{0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"},
	{0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"},
	{0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"},
	{0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"},
	{0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"},
	{0x002C, "TLS_PSK_WITH_NULL_SHA"},
	{0x002D, "TLS_DHE_PSK_WITH_NULL_SHA"},
	{0x002E, "TLS_RSA_PSK_WITH_NULL_SHA"},
	{0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"},
	{0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"},
	{0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"},
	{0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"},
	{0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
	{0x003B, "TLS_RSA_WITH_NULL_SHA256"},
	{0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
	{0x003E, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"},
	{0x003F, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"},
	{0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
	{0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"},
	// Not IANA: draft-ietf-tls-56-bit-ciphersuites, shipped by old OpenSSL/IIS.
	{0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"},
	{0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"},
	{0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"},
	{0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"},
	{0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"},
	{0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"},
	{0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
	{0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
	{0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
	{0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
	{0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"},
	{0x008A, "TLS_PSK_WITH_RC4_128_SHA"},
	{0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"},
	{0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA"},
	{0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA"},
	{0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA"},
	{0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"},
	{0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"},
	{0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"},
	{0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA"},
	{0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"},
	{0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"},
	{0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"},
	{0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
	{0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA"},
	{0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA"},
	{0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"},
	{0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
	{0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA"},
	{0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0x00A0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"},
	{0x00A1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"},
	{0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
	{0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
	{0x00A4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"},
	{0x00A5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"},
	{0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"},
	{0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
	{0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
	{0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
	{0x00AA, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"},
	{0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"},
	{0x00AC, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"},
	{0x00AD, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"},
	{0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256"},
	{0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384"},
	{0x00B0, "TLS_PSK_WITH_NULL_SHA256"},
	{0x00B1, "TLS_PSK_WITH_NULL_SHA384"},
	{0x00B2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"},
	{0x00B3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"},
	{0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256"},
	{0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384"},
	{0x00B6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"},
	{0x00B7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"},
	{0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256"},
	{0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384"},
	{0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00BB, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00BC, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00BD, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x00C1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x00C2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x00C3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x1301, "TLS_AES_128_GCM_SHA256"},
	{0x1302, "TLS_AES_256_GCM_SHA384"},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
	{0x1304, "TLS_AES_128_CCM_SHA256"},
	{0x1305, "TLS_AES_128_CCM_8_SHA256"},
	{0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
	{0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
	{0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
	{0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
	{0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"},
	{0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
	{0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
	{0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
	{0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
	{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
	{0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
	{0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"},
	{0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
	{0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	{0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
	{0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"},
	{0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0xC01D, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"},
	{0xC01E, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"},
	{0xC01F, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"},
	{0xC020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"},
	{0xC021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"},
	{0xC022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"},
	{0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"},
	{0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
	{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"},
	{0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"},
	{0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"},
	{0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"},
	{0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"},
	{0xC036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"},
	{0xC037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"},
	{0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"},
	{0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA"},
	{0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256"},
	{0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384"},
	{0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC03D, "TLS_RSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC03E, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"},
	{0xC03F, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384"},
	{0xC040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256"},
	{0xC043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384"},
	{0xC044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"},
	{0xC047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"},
	{0xC048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC04A, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC04B, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC04D, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC04E, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256"},
	{0xC04F, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384"},
	{0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"},
	{0xC057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"},
	{0xC058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"},
	{0xC059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"},
	{0xC05A, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"},
	{0xC05B, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"},
	{0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC05E, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC05F, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xC063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256"},
	{0xC065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384"},
	{0xC066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256"},
	{0xC067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384"},
	{0xC068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256"},
	{0xC069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384"},
	{0xC06A, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"},
	{0xC06B, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"},
	{0xC06C, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"},
	{0xC06D, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"},
	{0xC06E, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"},
	{0xC06F, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"},
	{0xC070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256"},
	{0xC071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384"},
	{0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC07A, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC07B, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC07C, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC07E, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC07F, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC08A, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC08C, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC08D, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC08E, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC08F, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
	{0xC093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
	{0xC094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC09A, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC09C, "TLS_RSA_WITH_AES_128_CCM"},
	{0xC09D, "TLS_RSA_WITH_AES_256_CCM"},
	{0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM"},
	{0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"},
	{0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8"},
	{0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8"},
	{0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8"},
	{0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8"},
	{0xC0A4, "TLS_PSK_WITH_AES_128_CCM"},
	{0xC0A5, "TLS_PSK_WITH_AES_256_CCM"},
	{0xC0A6, "TLS_DHE_PSK_WITH_AES_128_CCM"},
	{0xC0A7, "TLS_DHE_PSK_WITH_AES_256_CCM"},
	{0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8"},
	{0xC0A9, "TLS_PSK_WITH_AES_256_CCM_8"},
	{0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8"},
	{0xC0AB, "TLS_PSK_DHE_WITH_AES_256_CCM_8"},
	{0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
	{0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
	{0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
	{0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
	// Not IANA: the pre-RFC 7905 ChaCha20-Poly1305 codepoints (old
	// BoringSSL, Cloudflare and some OpenSSL forks).
	{0xCC13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xCC14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xCC15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"},
	{0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"},
	{0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"},
	{0xD003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256"},
	{0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"},
}

// Signalling cipher suite values (never negotiated).
const (
	rawScsvRenegotiation uint16 = 0x00FF // RFC 5746
)

// Weakness names used in Suite.Weak, in the order they are listed.
const (
	rawWeakNull      = "null"
	rawWeakExport    = "export"
	rawWeakAnon      = "anon"
	rawWeakRC4       = "rc4"
	rawWeakDES       = "des"
	rawWeak3DES      = "3des"
	rawWeakCBC       = "cbc"
	rawWeakStaticRSA = "static-rsa"
	rawWeakStaticDH  = "static-dh"
	rawWeakMD5       = "md5"
)

var (
	rawSuiteTable []Suite          // in rawSuiteNames order (IANA id order)
	rawSuiteIndex map[uint16]Suite // by id
	// rawOfferOrder is every TLS <= 1.2 suite in the order we offer them:
	// what a client that prefers strength would send, and what decides
	// which suites land in the first ClientHello chunk (see rawOfferClass).
	rawOfferOrder []uint16
	rawTls13IDs   = []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305}
)

func init() {
	rawSuiteTable = make([]Suite, 0, len(rawSuiteNames))
	rawSuiteIndex = make(map[uint16]Suite, len(rawSuiteNames))
	for _, e := range rawSuiteNames {
		s := rawParseSuite(e.id, e.name)
		rawSuiteTable = append(rawSuiteTable, s)
		rawSuiteIndex[e.id] = s
	}
	for _, s := range rawSuiteTable {
		if s.Kex != "TLS13" {
			rawOfferOrder = append(rawOfferOrder, s.ID)
		}
	}
	sort.SliceStable(rawOfferOrder, func(i, j int) bool {
		a, b := rawSuiteIndex[rawOfferOrder[i]], rawSuiteIndex[rawOfferOrder[j]]
		if ca, cb := rawOfferClass(a), rawOfferClass(b); ca != cb {
			return ca < cb
		}
		if ka, kb := rawKexRank(a.Kex), rawKexRank(b.Kex); ka != kb {
			return ka < kb
		}
		if a.Bits != b.Bits {
			return a.Bits > b.Bits
		}
		if fa, fb := rawCipherFamilyRank(a.Cipher), rawCipherFamilyRank(b.Cipher); fa != fb {
			return fa < fb
		}
		if ma, mb := rawMacRank(a.MAC), rawMacRank(b.MAC); ma != mb {
			return ma < mb
		}
		return a.ID < b.ID
	})
}

// rawParseSuite derives a Suite from its IANA name. TLS 1.3 names have no
// "_WITH_"; TLS <= 1.2 names are TLS_<kex>[_<auth>][_EXPORT]_WITH_<cipher>[_<mac>].
func rawParseSuite(id uint16, name string) Suite {
	s := Suite{ID: id, Name: name}
	rest := strings.TrimPrefix(name, "TLS_")
	rest = strings.TrimSuffix(rest, "_OLD")
	var left, right string
	if i := strings.Index(rest, "_WITH_"); i >= 0 {
		left, right = rest[:i], rest[i+len("_WITH_"):]
	} else {
		left, right = "TLS13", rest
	}
	export := false
	if i := strings.Index(left, "_EXPORT"); i >= 0 {
		export = true
		left = left[:i]
	}
	switch left {
	case "TLS13":
		s.Kex, s.Auth = "TLS13", "TLS13"
	case "RSA":
		s.Kex, s.Auth = "RSA", "RSA"
	case "DH_DSS", "DH_RSA", "DHE_DSS", "DHE_RSA", "ECDH_ECDSA", "ECDH_RSA", "ECDHE_ECDSA", "ECDHE_RSA":
		i := strings.Index(left, "_")
		s.Kex, s.Auth = left[:i], left[i+1:]
	case "DH_anon":
		// Anonymous DH sends ephemeral parameters in ServerKeyExchange
		// (RFC 5246 §7.4.3), so it is ephemeral but unauthenticated.
		s.Kex, s.Auth = "DHE", "anon"
	case "ECDH_anon":
		s.Kex, s.Auth = "ECDHE", "anon"
	case "PSK":
		s.Kex, s.Auth = "PSK", "PSK"
	case "DHE_PSK", "PSK_DHE":
		s.Kex, s.Auth = "DHE_PSK", "PSK"
	case "ECDHE_PSK":
		s.Kex, s.Auth = "ECDHE_PSK", "PSK"
	case "RSA_PSK":
		s.Kex, s.Auth = "RSA_PSK", "RSA"
	case "KRB5":
		s.Kex, s.Auth = "KRB5", "KRB5"
	case "SRP_SHA":
		s.Kex, s.Auth = "SRP", "SRP"
	case "SRP_SHA_RSA":
		s.Kex, s.Auth = "SRP", "RSA"
	case "SRP_SHA_DSS":
		s.Kex, s.Auth = "SRP", "DSS"
	default:
		s.Kex, s.Auth = left, left
	}
	cipher, mac := right, ""
	for _, m := range []struct{ suffix, name string }{
		{"_SHA384", "SHA384"}, {"_SHA256", "SHA256"}, {"_SHA", "SHA1"}, {"_MD5", "MD5"},
	} {
		if strings.HasSuffix(right, m.suffix) {
			cipher, mac = strings.TrimSuffix(right, m.suffix), m.name
			break
		}
	}
	s.Cipher = cipher
	s.AEAD = strings.Contains(cipher, "GCM") || strings.Contains(cipher, "CCM") || strings.Contains(cipher, "POLY1305")
	if s.AEAD {
		mac = "AEAD"
	}
	s.MAC = mac
	s.Bits = rawCipherBits(cipher)
	switch s.Kex {
	case "DHE", "ECDHE", "DHE_PSK", "ECDHE_PSK", "TLS13":
		s.FS = true
	}
	add := func(w string) { s.Weak = append(s.Weak, w) }
	if strings.HasPrefix(cipher, "NULL") {
		add(rawWeakNull)
	}
	if export {
		add(rawWeakExport)
	}
	if s.Auth == "anon" {
		add(rawWeakAnon)
	}
	if strings.HasPrefix(cipher, "RC4") {
		add(rawWeakRC4)
	}
	if strings.HasPrefix(cipher, "DES") {
		add(rawWeakDES)
	}
	if strings.HasPrefix(cipher, "3DES") {
		add(rawWeak3DES)
	}
	if strings.Contains(cipher, "CBC") {
		add(rawWeakCBC)
	}
	if s.Kex == "RSA" || s.Kex == "RSA_PSK" {
		add(rawWeakStaticRSA)
	}
	if s.Kex == "DH" || s.Kex == "ECDH" {
		add(rawWeakStaticDH)
	}
	if mac == "MD5" {
		add(rawWeakMD5)
	}
	return s
}

// rawCipherBits is the symmetric strength of a cipher name. 3DES counts as 112
// (its effective strength, as OpenSSL and sslscan report it).
func rawCipherBits(c string) int {
	switch {
	case strings.HasPrefix(c, "NULL"):
		return 0
	case strings.HasPrefix(c, "3DES"):
		return 112
	case strings.HasPrefix(c, "DES40"), strings.Contains(c, "_40"):
		return 40
	case strings.Contains(c, "_56"):
		return 56
	case strings.HasPrefix(c, "DES"):
		return 56
	case strings.HasPrefix(c, "CHACHA20"):
		return 256
	case strings.Contains(c, "_256"):
		return 256
	case strings.Contains(c, "_128"), strings.HasPrefix(c, "IDEA"), strings.HasPrefix(c, "SEED"):
		return 128
	}
	return 0
}

// rawOfferClass sorts suites into the order we offer them. The first 127 of
// that order form the first ClientHello chunk, which is what the version
// scan offers: every suite a real server is likely to be configured with,
// including the legacy and export ones a scorecard has to catch.
func rawOfferClass(s Suite) int {
	has := func(w string) bool {
		for _, x := range s.Weak {
			if x == w {
				return true
			}
		}
		return false
	}
	std := s.Kex == "RSA" || s.Kex == "DHE" || s.Kex == "ECDHE"
	switch {
	case s.Auth == "PSK" || s.Kex == "RSA_PSK" || s.Kex == "SRP" || s.Kex == "KRB5":
		return 9
	case has(rawWeakAnon):
		return 8
	case has(rawWeakNull):
		return 7
	case s.Kex == "DH" || s.Kex == "ECDH":
		return 6
	case strings.HasPrefix(s.Cipher, "ARIA") && !s.AEAD:
		return 6 // ARIA-CBC: registered, essentially never deployed
	case has(rawWeakExport) || has(rawWeakDES) || has(rawWeakRC4):
		return 5
	case has(rawWeak3DES):
		return 4
	case std && s.FS && s.AEAD:
		return 0
	case std && s.FS:
		return 1
	case std && s.AEAD:
		return 2
	case std:
		return 3
	}
	return 9
}

func rawKexRank(k string) int {
	switch k {
	case "ECDHE":
		return 0
	case "DHE":
		return 1
	case "RSA":
		return 2
	}
	return 3
}

func rawCipherFamilyRank(c string) int {
	switch {
	case strings.HasPrefix(c, "AES"), strings.HasPrefix(c, "CHACHA20"):
		return 0
	case strings.HasPrefix(c, "CAMELLIA"), strings.HasPrefix(c, "ARIA"):
		return 1
	}
	return 2
}

func rawMacRank(m string) int {
	switch m {
	case "AEAD":
		return 0
	case "SHA384":
		return 1
	case "SHA256":
		return 2
	case "SHA1":
		return 3
	}
	return 4
}

// SuiteByID returns the suite with IANA id, if we know it.
func SuiteByID(id uint16) (Suite, bool) {
	s, ok := rawSuiteIndex[id]
	if !ok {
		return Suite{}, false
	}
	return rawCloneSuite(s), true
}

// Suites returns every suite we know, TLS <= 1.2 and TLS 1.3, in IANA id
// order. The slice and its Weak lists are copies.
func Suites() []Suite {
	out := make([]Suite, len(rawSuiteTable))
	for i, s := range rawSuiteTable {
		out[i] = rawCloneSuite(s)
	}
	return out
}

func rawCloneSuite(s Suite) Suite {
	if s.Weak != nil {
		s.Weak = append([]string(nil), s.Weak...)
	}
	return s
}

// rawSuiteName names a suite id for evidence strings.
func rawSuiteName(id uint16) string {
	if s, ok := rawSuiteIndex[id]; ok {
		return s.Name
	}
	return rawHex16(id)
}

func rawHex16(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{'0', 'x', digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// rawGroupTable is every key-exchange group we test, in probing order.
// Bits is the classical size: the ECC field size (x25519 is counted as 256,
// its size class: 128-bit security like secp256r1), the DH modulus size, and
// for a hybrid the size of its classical half; pure ML-KEM groups have 0.
var rawGroupTable = []Group{
	{0x11ec, "X25519MLKEM768", "hybrid-pq", 256},
	{0x11eb, "SecP256r1MLKEM768", "hybrid-pq", 256},
	{0x11ed, "SecP384r1MLKEM1024", "hybrid-pq", 384},
	{0x6399, "X25519Kyber768Draft00", "hybrid-pq", 256},
	{0x0200, "MLKEM512", "pq", 0},
	{0x0201, "MLKEM768", "pq", 0},
	{0x0202, "MLKEM1024", "pq", 0},
	{0x001d, "x25519", "ecdhe", 256},
	{0x001e, "x448", "ecdhe", 448},
	{0x0017, "secp256r1", "ecdhe", 256},
	{0x0018, "secp384r1", "ecdhe", 384},
	{0x0019, "secp521r1", "ecdhe", 521},
	{0x001f, "brainpoolP256r1tls13", "ecdhe", 256},
	{0x0020, "brainpoolP384r1tls13", "ecdhe", 384},
	{0x0021, "brainpoolP512r1tls13", "ecdhe", 512},
	{0x001a, "brainpoolP256r1", "ecdhe", 256},
	{0x001b, "brainpoolP384r1", "ecdhe", 384},
	{0x001c, "brainpoolP512r1", "ecdhe", 512},
	{0x0016, "secp256k1", "ecdhe", 256},
	{0x0015, "secp224r1", "ecdhe", 224},
	{0x0013, "secp192r1", "ecdhe", 192},
	{0x0100, "ffdhe2048", "ffdhe", 2048},
	{0x0101, "ffdhe3072", "ffdhe", 3072},
	{0x0102, "ffdhe4096", "ffdhe", 4096},
	{0x0103, "ffdhe6144", "ffdhe", 6144},
	{0x0104, "ffdhe8192", "ffdhe", 8192},
}

// Groups returns every key-exchange group we know, in probing order.
func Groups() []Group {
	return append([]Group(nil), rawGroupTable...)
}

func rawGroupByID(id uint16) (Group, bool) {
	for _, g := range rawGroupTable {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

func rawGroupName(id uint16) string {
	if g, ok := rawGroupByID(id); ok {
		return g.Name
	}
	return rawHex16(id)
}

// rawGroupValidTLS13 reports whether a group may be negotiated in TLS 1.3
// (RFC 8446 §4.2.7 deprecates the TLS 1.2 brainpool codepoints and the small
// curves; RFC 8734 adds the tls13 brainpool ones).
func rawGroupValidTLS13(g Group) bool {
	switch g.ID {
	case 0x001a, 0x001b, 0x001c, 0x0016, 0x0015, 0x0013:
		return false
	}
	return true
}

// rawGroupValidTLS12 reports whether a group is an elliptic curve usable with
// ECDHE suites in TLS <= 1.2 (RFC 8422).
func rawGroupValidTLS12(g Group) bool {
	if g.Kind != "ecdhe" {
		return false
	}
	switch g.ID {
	case 0x001f, 0x0020, 0x0021:
		return false
	}
	return true
}
