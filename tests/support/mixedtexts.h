#pragma once

#include "asciitext.h"

#include <QStringList>

namespace pds::test {

// Texts of every length up to 40 characters, and around ascii::ShortText (where the ASCII copies
// of asciitext.h give way to Qt's codecs), each plain ASCII and with one character outside ASCII
// at the start, at the end, and on either side of the 8- and 16-character steps those copies
// take: Latin-1 (é), beyond it (€) and beyond the BMP (😀, two UTF-16 units).
inline QStringList mixedTexts()
{
    QStringList texts;
    const QList<qsizetype> lengths = [] {
        QList<qsizetype> all;
        for (qsizetype n = 0; n <= 40; ++n)
            all << n;
        return all << ascii::ShortText - 1 << ascii::ShortText << ascii::ShortText + 1
                   << ascii::ShortText + 44;
    }();
    for (const qsizetype length : lengths) {
        QString plain = QStringLiteral(""); // empty, not null (a null text binds NULL)
        for (qsizetype i = 0; i < length; ++i)
            plain += QChar(char16_t(u'!' + i % 94)); // printable ASCII, DEL and controls aside
        texts << plain;
        for (const QString &odd :
            { QStringLiteral("é"), QStringLiteral("€"), QStringLiteral("😀") }) {
            for (const qsizetype at : { qsizetype(0), length - 1, qsizetype(7), qsizetype(8),
                     qsizetype(15), qsizetype(16) }) {
                if (at < 0 || at >= length)
                    continue;
                texts << plain.first(at) + odd + plain.sliced(at + 1);
            }
        }
    }
    return texts;
}

} // namespace pds::test
