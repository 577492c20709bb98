#pragma once

#include <QtGlobal>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

// ASCII text copied between UTF-16 (QString) and UTF-8 without a codec: most of what a sync moves
// (names, e-mail addresses, phone numbers, ids) is short ASCII, whose UTF-8 bytes are its
// characters. Qt's codecs spent 150-230 instructions a string before its first character
// (set-up, space asked, called through a table), more than the copy of a 20-character value.
// Each copies all `size` characters and says whether they were ASCII; when they were not, the
// caller encodes or decodes the text properly (what was written is then garbage).
namespace pds::ascii {

// Texts up to this long are tried as ASCII first; longer ones go to Qt's codecs at once (a text
// found not ASCII has been copied for nothing, and Qt's set-up matters little on long ones).
inline constexpr qsizetype ShortText = 256;

inline bool narrow(const char16_t *in, qsizetype size, char *out)
{
    qsizetype i = 0;
#ifdef __SSE2__
    __m128i seen = _mm_setzero_si128();
    for (; i + 8 <= size; i += 8) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
        seen = _mm_or_si128(seen, chunk);
        _mm_storel_epi64(reinterpret_cast<__m128i *>(out + i), _mm_packus_epi16(chunk, chunk));
    }
    const __m128i high = _mm_and_si128(seen, _mm_set1_epi16(short(0xFF80)));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(high, _mm_setzero_si128())) != 0xFFFF)
        return false;
#endif
    char16_t rest = 0;
    for (; i < size; ++i) {
        rest |= in[i];
        out[i] = char(in[i]);
    }
    return rest < 0x80;
}

inline bool widen(const char *in, qsizetype size, char16_t *out)
{
    qsizetype i = 0;
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    int high = 0;
    for (; i + 16 <= size; i += 16) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i));
        high |= _mm_movemask_epi8(chunk);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + i), _mm_unpacklo_epi8(chunk, zero));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + i + 8), _mm_unpackhi_epi8(chunk, zero));
    }
    if (i + 8 <= size) {
        const __m128i chunk = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(in + i));
        high |= _mm_movemask_epi8(chunk);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + i), _mm_unpacklo_epi8(chunk, zero));
        i += 8;
    }
    if (high != 0)
        return false;
#endif
    uchar rest = 0;
    for (; i < size; ++i) {
        rest |= uchar(in[i]);
        out[i] = uchar(in[i]);
    }
    return rest < 0x80;
}

} // namespace pds::ascii
