/* json.c - JSON strings and numbers for the example programs' output. */
#include "json.h"

#include <math.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), or 0. */
static int utf8_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of s[1] */
    int n;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        if (s[0] == 0xe0)
            lo = 0xa0; /* overlong */
        else if (s[0] == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        if (s[0] == 0xf0)
            lo = 0x90; /* overlong */
        else if (s[0] == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int k = 2; k < n; k++) /* stops at the NUL: it is not 10xxxxxx */
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return n;
}

void json_string(FILE *fp, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', fp);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fprintf(fp, "\\%c", *s++);
        } else if (*s < 0x20) {
            fprintf(fp, "\\u%04x", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, fp);
        } else {
            int n = utf8_len(s);
            if (n == 0) {
                fputs("\\ufffd", fp);
                s++;
            } else {
                fwrite(s, 1, (size_t)n, fp);
                s += n;
            }
        }
    }
    fputc('"', fp);
}

void json_number(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.6g", v);
    else
        fputs("null", fp);
}
