#include "mapping/texttools.h"

#include <QHash>
#include <QLocale>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;

namespace pds::mapping {

namespace {

bool isAsciiLetter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

bool isAsciiAlnum(QChar c)
{
    return isAsciiLetter(c) || (c >= u'0' && c <= u'9');
}

bool isHtmlSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == u'\f';
}

// Elements whose content is never shown as text: dropped with everything inside.
bool isDroppedElement(const QString &name)
{
    static const QStringList names = { u"script"_s, u"style"_s, u"noscript"_s, u"template"_s,
        u"iframe"_s, u"noembed"_s, u"noframes"_s, u"xmp"_s, u"title"_s, u"object"_s, u"head"_s,
        u"svg"_s, u"math"_s, u"textarea"_s, u"select"_s };
    return names.contains(name);
}

// Elements that start and end a line of text.
bool isBlockElement(const QString &name)
{
    static const QStringList names = { u"p"_s, u"div"_s, u"li"_s, u"tr"_s, u"h1"_s, u"h2"_s,
        u"h3"_s, u"h4"_s, u"h5"_s, u"h6"_s, u"ul"_s, u"ol"_s, u"dl"_s, u"dt"_s, u"dd"_s, u"table"_s,
        u"thead"_s, u"tbody"_s, u"tfoot"_s, u"blockquote"_s, u"pre"_s, u"hr"_s, u"section"_s,
        u"article"_s, u"aside"_s, u"header"_s, u"footer"_s, u"address"_s, u"figure"_s,
        u"figcaption"_s, u"form"_s, u"fieldset"_s, u"main"_s, u"nav"_s, u"caption"_s, u"details"_s,
        u"summary"_s, u"center"_s };
    return names.contains(name);
}

const QHash<QString, char32_t> &namedEntities()
{
    static const QHash<QString, char32_t> table = {
        { u"amp"_s, U'&' },
        { u"lt"_s, U'<' },
        { u"gt"_s, U'>' },
        { u"quot"_s, U'"' },
        { u"apos"_s, U'\'' },
        { u"nbsp"_s, U' ' },
        { u"ensp"_s, U' ' },
        { u"emsp"_s, U' ' },
        { u"thinsp"_s, U' ' },
        { u"shy"_s, 0 },
        { u"zwnj"_s, 0 },
        { u"zwj"_s, 0 },
        { u"lrm"_s, 0 },
        { u"rlm"_s, 0 },
        { u"ndash"_s, U'\u2013' },
        { u"mdash"_s, U'\u2014' },
        { u"hellip"_s, U'\u2026' },
        { u"lsquo"_s, U'\u2018' },
        { u"rsquo"_s, U'\u2019' },
        { u"sbquo"_s, U'\u201A' },
        { u"ldquo"_s, U'\u201C' },
        { u"rdquo"_s, U'\u201D' },
        { u"bdquo"_s, U'\u201E' },
        { u"laquo"_s, U'\u00AB' },
        { u"raquo"_s, U'\u00BB' },
        { u"bull"_s, U'\u2022' },
        { u"middot"_s, U'\u00B7' },
        { u"copy"_s, U'\u00A9' },
        { u"reg"_s, U'\u00AE' },
        { u"trade"_s, U'\u2122' },
        { u"euro"_s, U'\u20AC' },
        { u"pound"_s, U'\u00A3' },
        { u"yen"_s, U'\u00A5' },
        { u"cent"_s, U'\u00A2' },
        { u"sect"_s, U'\u00A7' },
        { u"para"_s, U'\u00B6' },
        { u"deg"_s, U'\u00B0' },
        { u"plusmn"_s, U'\u00B1' },
        { u"times"_s, U'\u00D7' },
        { u"divide"_s, U'\u00F7' },
        { u"frac12"_s, U'\u00BD' },
        { u"frac14"_s, U'\u00BC' },
        { u"frac34"_s, U'\u00BE' },
        { u"iexcl"_s, U'\u00A1' },
        { u"iquest"_s, U'\u00BF' },
        { u"auml"_s, U'\u00E4' },
        { u"ouml"_s, U'\u00F6' },
        { u"uuml"_s, U'\u00FC' },
        { u"Auml"_s, U'\u00C4' },
        { u"Ouml"_s, U'\u00D6' },
        { u"Uuml"_s, U'\u00DC' },
        { u"szlig"_s, U'\u00DF' },
        { u"eacute"_s, U'\u00E9' },
        { u"egrave"_s, U'\u00E8' },
        { u"ecirc"_s, U'\u00EA' },
        { u"euml"_s, U'\u00EB' },
        { u"aacute"_s, U'\u00E1' },
        { u"agrave"_s, U'\u00E0' },
        { u"acirc"_s, U'\u00E2' },
        { u"atilde"_s, U'\u00E3' },
        { u"aring"_s, U'\u00E5' },
        { u"aelig"_s, U'\u00E6' },
        { u"ccedil"_s, U'\u00E7' },
        { u"iacute"_s, U'\u00ED' },
        { u"igrave"_s, U'\u00EC' },
        { u"icirc"_s, U'\u00EE' },
        { u"iuml"_s, U'\u00EF' },
        { u"ntilde"_s, U'\u00F1' },
        { u"oacute"_s, U'\u00F3' },
        { u"ograve"_s, U'\u00F2' },
        { u"ocirc"_s, U'\u00F4' },
        { u"otilde"_s, U'\u00F5' },
        { u"oslash"_s, U'\u00F8' },
        { u"uacute"_s, U'\u00FA' },
        { u"ugrave"_s, U'\u00F9' },
        { u"ucirc"_s, U'\u00FB' },
        { u"yacute"_s, U'\u00FD' },
        { u"yuml"_s, U'\u00FF' },
        { u"Eacute"_s, U'\u00C9' },
        { u"Egrave"_s, U'\u00C8' },
        { u"Aacute"_s, U'\u00C1' },
        { u"Agrave"_s, U'\u00C0' },
        { u"Aring"_s, U'\u00C5' },
        { u"AElig"_s, U'\u00C6' },
        { u"Ccedil"_s, U'\u00C7' },
        { u"Ntilde"_s, U'\u00D1' },
        { u"Oslash"_s, U'\u00D8' },
    };
    return table;
}

void appendCodePoint(QString &out, char32_t cp)
{
    // NUL, surrogates and values beyond Unicode are what browsers turn into U+FFFD too.
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    out.append(QString::fromUcs4(&cp, 1));
}

// Decodes character references in a run of text. Named references need their ';', numeric
// ones may lack it (as browsers accept).
QString decodeEntities(QStringView text)
{
    if (!text.contains(u'&'))
        return text.toString();
    QString out;
    out.reserve(text.size());
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = text[i];
        if (c != u'&') {
            out.append(c);
            ++i;
            continue;
        }
        if (i + 1 < n && text[i + 1] == u'#') {
            qsizetype j = i + 2;
            const bool hex = j < n && (text[j] == u'x' || text[j] == u'X');
            if (hex)
                ++j;
            const qsizetype digitsStart = j;
            char32_t value = 0;
            bool overflow = false;
            while (j < n) {
                const QChar d = text[j];
                int digit = -1;
                if (d >= u'0' && d <= u'9')
                    digit = d.unicode() - u'0';
                else if (hex && d >= u'a' && d <= u'f')
                    digit = d.unicode() - u'a' + 10;
                else if (hex && d >= u'A' && d <= u'F')
                    digit = d.unicode() - u'A' + 10;
                if (digit < 0)
                    break;
                if (value > 0x10FFFF)
                    overflow = true;
                else
                    value = value * (hex ? 16 : 10) + char32_t(digit);
                ++j;
            }
            if (j == digitsStart) { // "&#" without digits is text
                out.append(c);
                ++i;
                continue;
            }
            if (j < n && text[j] == u';')
                ++j;
            appendCodePoint(out, overflow ? char32_t(0x110000) : value);
            i = j;
            continue;
        }
        qsizetype j = i + 1;
        while (j < n && j - i <= 32 && isAsciiAlnum(text[j]))
            ++j;
        if (j < n && j > i + 1 && text[j] == u';') {
            const auto it = namedEntities().constFind(text.sliced(i + 1, j - i - 1).toString());
            if (it != namedEntities().constEnd()) {
                if (*it != 0)
                    out.append(QString::fromUcs4(&*it, 1));
                i = j + 1;
                continue;
            }
        }
        out.append(c);
        ++i;
    }
    return out;
}

// Does the text hold anything a browser would take as a tag?
bool looksLikeHtml(QStringView text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != u'<')
            continue;
        const QChar next = text[i + 1];
        if (isAsciiLetter(next) || next == u'/' || next == u'!' || next == u'?')
            return true;
    }
    return false;
}

// Index just past the '>' closing the tag that starts at `from` (quoted attribute values may
// contain '>'), or -1 when the tag never ends.
qsizetype tagEnd(QStringView s, qsizetype from)
{
    const qsizetype n = s.size();
    qsizetype j = from;
    while (j < n) {
        const QChar c = s[j];
        if (c == u'>')
            return j + 1;
        if (c == u'=') {
            ++j;
            while (j < n && isHtmlSpace(s[j]))
                ++j;
            if (j < n && (s[j] == u'"' || s[j] == u'\'')) {
                const qsizetype close = s.indexOf(s[j], j + 1);
                if (close < 0)
                    return -1;
                j = close + 1;
            }
            continue;
        }
        ++j;
    }
    return -1;
}

// Index just past the end tag "</name ...>" searched from `from`, or -1.
qsizetype skipRawText(QStringView s, qsizetype from, const QString &name)
{
    const QString needle = u"</"_s + name;
    qsizetype pos = from;
    while (true) {
        pos = s.indexOf(needle, pos, Qt::CaseInsensitive);
        if (pos < 0)
            return -1;
        const qsizetype after = pos + needle.size();
        if (after >= s.size())
            return -1;
        const QChar c = s[after];
        if (isHtmlSpace(c) || c == u'/' || c == u'>')
            return tagEnd(s, after);
        pos = after;
    }
}

// Collapses spaces inside lines, trims lines, keeps at most one blank line in a row and drops
// blank lines at both ends.
QString tidyLines(const QString &text)
{
    // One pass over the text, no regular expression or list of lines: notes and activities go
    // through here, and the split-replace-join was 5% of the stage worker's instructions. The
    // result is never longer than the text (lines trimmed, blanks and spaces collapsed): it is
    // written in place, a run of other characters at once (a QString::append() per character
    // was a third of this function).
    QString out(text.size(), Qt::Uninitialized);
    QChar *const begin = out.data();
    QChar *o = begin;
    bool previousBlank = true; // also drops leading blank lines
    bool blankPending = false; // a blank line kept, written when a line follows it
    const QStringView all(text);
    for (qsizetype start = 0; start <= all.size();) {
        qsizetype end = all.indexOf(u'\n', start);
        if (end < 0)
            end = all.size();
        const QStringView line = all.sliced(start, end - start).trimmed();
        start = end + 1;
        if (line.isEmpty()) {
            blankPending = blankPending || !previousBlank;
            previousBlank = true;
            continue;
        }
        if (o != begin) {
            *o++ = u'\n';
            if (blankPending)
                *o++ = u'\n';
        }
        blankPending = false;
        previousBlank = false;
        for (qsizetype i = 0; i < line.size();) {
            qsizetype run = i;
            while (run < line.size() && line[run] != u' ' && line[run] != u'\t')
                ++run;
            std::copy(line.begin() + i, line.begin() + run, o);
            o += run - i;
            if (run == line.size())
                break;
            *o++ = u' ';
            i = run + 1;
            while (i < line.size() && (line[i] == u' ' || line[i] == u'\t'))
                ++i;
        }
    }
    out.truncate(o - begin);
    return out;
}

// A '<' that could open a tag gets a space after it, so no browser parses it as markup.
QString neutraliseTags(const QString &text)
{
    if (!looksLikeHtml(text))
        return text;
    QString out;
    out.reserve(text.size() + 8);
    for (qsizetype i = 0; i < text.size(); ++i) {
        out.append(text[i]);
        if (text[i] == u'<' && i + 1 < text.size()) {
            const QChar next = text[i + 1];
            if (isAsciiLetter(next) || next == u'/' || next == u'!' || next == u'?')
                out.append(u' ');
        }
    }
    return out;
}

QString withoutNul(QStringView text)
{
    QString s = text.toString();
    s.remove(QChar(u'\0'));
    return s;
}

} // namespace

QString normaliseEmail(QStringView email)
{
    return withoutNul(email).trimmed().toLower();
}

bool isValidEmail(QStringView email)
{
    // URI::MailTo::EMAIL_REGEXP, by hand (the regular expression was 1% of the stage worker):
    //   \A[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@
    //   [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\z
    // that is: a local part of those characters up to the (only) '@', then labels of 1 to 63
    // ASCII letters, digits and inner hyphens, separated by single dots, up to the very end.
    const auto alnum = [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9');
    };
    constexpr QStringView localSpecials = u".!#$%&'*+/=?^_`{|}~-";
    qsizetype at = 0;
    while (at < email.size() && (alnum(email[at]) || localSpecials.contains(email[at])))
        ++at;
    if (at == 0 || at == email.size() || email[at] != u'@')
        return false;
    for (qsizetype start = at + 1;;) {
        qsizetype end = start;
        while (end < email.size() && email[end] != u'.')
            ++end;
        if (end - start < 1 || end - start > 63 || !alnum(email[start]) || !alnum(email[end - 1]))
            return false;
        for (qsizetype i = start + 1; i < end - 1; ++i) {
            if (!alnum(email[i]) && email[i] != u'-')
                return false;
        }
        if (end == email.size())
            return true;
        start = end + 1;
    }
}

std::optional<QString> trimmedOrNull(QStringView text)
{
    return trimmedOrNull(text.toString());
}

std::optional<QString> trimmedOrNull(const QString &text)
{
    if (!text.isEmpty() && !text.front().isSpace() && !text.back().isSpace()
        && !text.contains(QChar(u'\0')))
        return text;
    return trimmedOrNull(QString(text));
}

std::optional<QString> trimmedOrNull(QString &&text)
{
    text.remove(QChar(u'\0'));
    QString s = std::move(text).trimmed();
    if (s.isEmpty())
        return std::nullopt;
    return s;
}

NameParts splitName(QStringView name)
{
    const QString simple = withoutNul(name).simplified();
    NameParts parts;
    if (simple.isEmpty())
        return parts;
    const qsizetype space = simple.indexOf(u' ');
    if (space < 0) {
        parts.first = simple;
        return parts;
    }
    parts.first = simple.left(space);
    parts.last = simple.mid(space + 1);
    return parts;
}

QString htmlToPlainText(QStringView input)
{
    const QString source = withoutNul(input);
    const QStringView s(source);
    if (!looksLikeHtml(s)) {
        // Plain text (notes written through the API): its own line breaks are the layout.
        QString text = decodeEntities(s);
        text.replace(u"\r\n"_s, u"\n"_s);
        text.replace(u'\r', u'\n');
        text.replace(QChar(0x00A0), u' ');
        return neutraliseTags(tidyLines(text));
    }

    QString out;
    out.reserve(s.size());
    int preDepth = 0;
    const auto ensureLineBreak = [&out] {
        // Whitespace between block tags is not a line of its own.
        while (out.endsWith(u' '))
            out.chop(1);
        if (!out.isEmpty() && !out.endsWith(u'\n'))
            out.append(u'\n');
    };
    const auto appendText = [&](QStringView raw) {
        QString text = decodeEntities(raw);
        if (preDepth > 0) {
            text.replace(u"\r\n"_s, u"\n"_s);
            text.replace(u'\r', u'\n');
            text.replace(u'\f', u' ');
        } else {
            for (QChar &c : text) {
                if (isHtmlSpace(c))
                    c = u' ';
            }
        }
        text.replace(QChar(0x00A0), u' ');
        out.append(text);
    };

    const qsizetype n = s.size();
    qsizetype textStart = 0;
    qsizetype i = 0;
    while (i < n) {
        if (s[i] != u'<' || i + 1 >= n) {
            ++i;
            continue;
        }
        const QChar next = s[i + 1];
        const bool closing = next == u'/' && i + 2 < n && isAsciiLetter(s[i + 2]);
        const bool opening = isAsciiLetter(next);
        const bool markup = next == u'!' || next == u'?' || (next == u'/' && !closing);
        if (!opening && !closing && !markup) {
            ++i; // a lone '<' is text
            continue;
        }
        appendText(s.sliced(textStart, i - textStart));

        if (markup) {
            qsizetype end;
            if (s.sliced(i).startsWith(u"<!--")) {
                const qsizetype close = s.indexOf(u"-->", i + 4);
                end = close < 0 ? n : close + 3;
            } else {
                const qsizetype close = s.indexOf(u'>', i + 2);
                end = close < 0 ? n : close + 1;
            }
            i = textStart = end;
            continue;
        }

        qsizetype nameEnd = i + (closing ? 2 : 1);
        while (nameEnd < n && (isAsciiAlnum(s[nameEnd]) || s[nameEnd] == u'-'))
            ++nameEnd;
        const qsizetype nameStart = i + (closing ? 2 : 1);
        const QString name = s.sliced(nameStart, nameEnd - nameStart).toString().toLower();
        const qsizetype end = tagEnd(s, nameEnd);
        if (end < 0) { // a tag cut off at the end: browsers drop it, so do we
            i = textStart = n;
            break;
        }
        i = textStart = end;

        if (!closing && isDroppedElement(name)) {
            const qsizetype after = skipRawText(s, end, name);
            i = textStart = after < 0 ? n : after;
            continue;
        }
        if (name == u"br") {
            out.append(u'\n');
        } else if (isBlockElement(name)) {
            ensureLineBreak();
            if (name == u"pre")
                preDepth = closing ? qMax(0, preDepth - 1) : preDepth + 1;
        } else if (closing && (name == u"td" || name == u"th")) {
            out.append(u' ');
        }
    }
    if (textStart < n)
        appendText(s.sliced(textStart));
    return neutraliseTags(tidyLines(out));
}

namespace {

// The two shapes nearly every Pipedrive time has ("2024-11-05T10:56:51Z" in v2,
// "2024-11-05 10:56:51" in v1), read without a regular expression: this runs for every record.
// Text is a QStringView or (the JSON's own bytes) a QByteArrayView.
char16_t unit(QChar c)
{
    return c.unicode();
}
char16_t unit(char c)
{
    return uchar(c);
}

template<class Text> std::optional<QDateTime> parseCommonTime(Text text)
{
    const auto at = [&text](qsizetype i) {
        return unit(text[i]);
    };
    const bool v2 = text.size() == 20 && at(10) == u'T' && at(19) == u'Z';
    const bool v1 = text.size() == 19 && at(10) == u' ';
    if (!v2 && !v1)
        return std::nullopt;
    if (at(4) != u'-' || at(7) != u'-' || at(13) != u':' || at(16) != u':')
        return std::nullopt;
    auto number = [&at](int from, int length) {
        int value = 0;
        for (int i = from; i < from + length; ++i) {
            const char16_t c = at(i);
            if (c < u'0' || c > u'9')
                return -1;
            value = value * 10 + (c - u'0');
        }
        return value;
    };
    const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
    const int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
        return std::nullopt;
    // Invalid values ("0000-00-00 00:00:00") give an invalid time, as the full parser does.
    static constexpr int monthDays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (year < 1 || month < 1 || month > 12 || day < 1
        || day > monthDays[month - 1] + (month == 2 && QDate::isLeapYear(year) ? 1 : 0) || hour > 23
        || minute > 59 || second > 59)
        return QDateTime();
    // The milliseconds since the epoch by Howard Hinnant's days_from_civil: QDate, QTime and
    // QDateTime's own conversion from them were most of reading a record's times.
    const int y = month <= 2 ? year - 1 : year;
    const int era = y / 400; // year >= 1: y >= 0
    const int yearOfEra = y - era * 400;
    const int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    const qint64 days = qint64(era) * 146097 + dayOfEra - 719468;
    const qint64 msecs = ((days * 24 + hour) * 60 + minute) * 60000 + qint64(second) * 1000;
    return QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
}

} // namespace

QDateTime parsePipedriveTime(QByteArrayView utf8)
{
    if (const std::optional<QDateTime> common = parseCommonTime(utf8))
        return *common;
    return parsePipedriveTime(QString::fromUtf8(utf8));
}

QDateTime parsePipedriveTime(QStringView text)
{
    if (const std::optional<QDateTime> common = parseCommonTime(text))
        return *common;
    static const QRegularExpression re(
        uR"(^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?)?$)"_s);
    const QString trimmed = text.trimmed().toString();
    const QRegularExpressionMatch m = re.match(trimmed);
    if (!m.hasMatch())
        return {};
    const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
    if (!date.isValid() || date.year() < 1)
        return {};
    int msec = 0;
    if (m.capturedLength(7) > 0)
        msec = (m.captured(7) + u"00"_s).left(3).toInt();
    const QTime time = m.capturedLength(4) > 0
        ? QTime(m.captured(4).toInt(), m.captured(5).toInt(), m.captured(6).toInt(), msec)
        : QTime(0, 0);
    if (!time.isValid())
        return {};
    const QString zone = m.captured(8);
    if (zone.isEmpty() || zone == u"Z" || zone == u"z" || zone == u"UTC")
        return QDateTime(date, time, Qt::UTC);
    const int sign = zone.startsWith(u'-') ? -1 : 1;
    const QString digits = zone.mid(1).remove(u':');
    const int hours = digits.left(2).toInt();
    const int minutes = digits.size() >= 4 ? digits.mid(2, 2).toInt() : 0;
    if (hours > 23 || minutes > 59)
        return {};
    return QDateTime(date, time, Qt::OffsetFromUTC, sign * (hours * 3600 + minutes * 60)).toUTC();
}

QDate parsePipedriveDate(QStringView text)
{
    // yyyy-MM-dd and nothing else, ASCII digits (as the \d of a regular expression without
    // Unicode properties): by hand, this is read for every deal and activity.
    const QStringView s = text.trimmed();
    if (s.size() != 10 || s[4] != u'-' || s[7] != u'-')
        return {};
    int parts[3] = { 0, 0, 0 };
    const qsizetype starts[3] = { 0, 5, 8 };
    const qsizetype ends[3] = { 4, 7, 10 };
    for (int part = 0; part < 3; ++part) {
        for (qsizetype i = starts[part]; i < ends[part]; ++i) {
            const char16_t c = s[i].unicode();
            if (c < u'0' || c > u'9')
                return {};
            parts[part] = parts[part] * 10 + (c - u'0');
        }
    }
    const QDate date(parts[0], parts[1], parts[2]);
    return date.isValid() && date.year() >= 1 ? date : QDate();
}

QString formatCrmTime(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toUTC().toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s) + u"000"_s;
}

QString formatCrmDate(QDate date)
{
    if (!date.isValid())
        return {};
    return date.toString(u"yyyy-MM-dd"_s);
}

bool isCrmStage(QStringView stage)
{
    static const QStringList stages = { u"prospecting"_s, u"proposal"_s, u"analysis"_s,
        u"presentation"_s, u"negotiation"_s, u"final_review"_s, u"closed_won"_s, u"closed_lost"_s };
    return stages.contains(stage);
}

QString crmStageForName(QStringView stageName)
{
    // Remembered by name: an account's deals share its few stages, and each case-insensitive
    // search below (up to nine a deal) cost more than the rest of reading the deal's stage.
    // (A short list: QHash in Qt 6.4 cannot be searched by a QStringView.)
    thread_local std::vector<std::pair<QString, QString>> known;
    for (const auto &[name, stage] : known) {
        if (name == stageName)
            return stage;
    }
    if (known.size() >= 32)
        known.clear();
    const auto has = [stageName](QStringView word) {
        return stageName.contains(word, Qt::CaseInsensitive);
    };
    const QString stage = has(u"qualif") || has(u"analys") ? u"analysis"_s
        : has(u"present") || has(u"demo")                  ? u"presentation"_s
        : has(u"proposal")                                 ? u"proposal"_s
        : has(u"negotiat")                                 ? u"negotiation"_s
        : has(u"final") || has(u"contract")                ? u"final_review"_s
                                                           : u"prospecting"_s;
    known.emplace_back(stageName.toString(), stage);
    return stage;
}

QStringList openCrmStages()
{
    return { u"prospecting"_s, u"proposal"_s, u"analysis"_s, u"presentation"_s, u"negotiation"_s,
        u"final_review"_s };
}

bool isOpenCrmStage(QStringView stage)
{
    return isCrmStage(stage) && !stage.startsWith(u"closed_");
}

std::optional<QString> crmOpportunityType(QStringView text)
{
    const QString word = text.trimmed().toString().toLower();
    if (word.isEmpty())
        return std::nullopt;
    const auto has = [&word](QStringView part) {
        return word.contains(part);
    };
    // "renewal" holds "new": the existing-customer words are tried first.
    if (has(u"existing") || has(u"renewal") || has(u"upsell") || has(u"upgrade")
        || has(u"returning") || has(u"repeat") || has(u"bestand"))
        return u"existing_customer"_s;
    if (has(u"new") || has(u"neu"))
        return u"new_customer"_s;
    return std::nullopt;
}

QString crmPriorityForLabel(QStringView label)
{
    const auto has = [label](QStringView word) {
        return label.contains(word, Qt::CaseInsensitive);
    };
    if (has(u"high") || has(u"urgent") || has(u"critical") || has(u"hoch"))
        return u"high"_s;
    if (has(u"low") || has(u"niedrig"))
        return u"low"_s;
    return u"medium"_s;
}

QString numberText(double value)
{
    if (!std::isfinite(value))
        return {};
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return QString::number(static_cast<qint64>(value));
    return QString::number(value, 'f', QLocale::FloatingPointShortest);
}

QString leftWhole(const QString &text, qsizetype length)
{
    if (text.size() <= length)
        return text;
    if (length > 0 && text.at(length - 1).isHighSurrogate())
        --length;
    return text.left(length);
}

} // namespace pds::mapping
