// The text and time rules the mappers build on: e-mail identity and validity (Ruby's
// URI::MailTo::EMAIL_REGEXP), names, HTML to plain text, Pipedrive times, stage keywords.

#include "mapping/jsonreader.h"
#include "mapping/texttools.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pds::mapping;

class TestTextTools : public QObject
{
    Q_OBJECT

private slots:
    void cutsTextBetweenCharacters();
    void normalisesEmails_data();
    void normalisesEmails();
    void validatesEmailsLikeRuby_data();
    void validatesEmailsLikeRuby();
    void validatesEmailsAsRubysRegexpDoes();
    void trimsToNull_data();
    void trimsToNull();
    void splitsNames_data();
    void splitsNames();
    void convertsHtmlToPlainText_data();
    void convertsHtmlToPlainText();
    void parsesPipedriveTimes_data();
    void parsesPipedriveTimes();
    void readsEveryDayAsQDateTimeDoes();
    void parsesDates_data();
    void parsesDates();
    void formatsTimesAsRailsDoes();
    void mapsStageNamesByKeyword_data();
    void mapsStageNamesByKeyword();
    void mapsStageNamesAlikeWhenAskedAgain();
    void knowsCrmStages();
    void mapsOpportunityTypes_data();
    void mapsOpportunityTypes();
    void mapsPriorityLabels_data();
    void mapsPriorityLabels();
    void formatsNumbers_data();
    void formatsNumbers();
    void readsJsonDefensively();
    void readsJsonTextAsItTrims_data();
    void readsJsonTextAsItTrims();
};

void TestTextTools::cutsTextBetweenCharacters()
{
    const QString face = QString::fromUcs4(U"\U0001F600");
    QCOMPARE(face.size(), 2);
    QCOMPARE(leftWhole(u"ab"_s + face + u"c"_s, 3), u"ab"_s); // not half the emoji
    QCOMPARE(leftWhole(u"ab"_s + face + u"c"_s, 4), u"ab"_s + face);
    QCOMPARE(leftWhole(u"abc"_s, 2), u"ab"_s);
    QCOMPARE(leftWhole(u"abc"_s, 5), u"abc"_s);
    QCOMPARE(leftWhole(face, 1), QString());
}

void TestTextTools::normalisesEmails_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("output");
    QTest::newRow("trim and lower") << u"  John.Doe@Example.COM \t"_s << u"john.doe@example.com"_s;
    QTest::newRow("already normal") << u"a@b.c"_s << u"a@b.c"_s;
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("NUL removed") << u"A\0B@x.com"_s << u"ab@x.com"_s;
}

void TestTextTools::normalisesEmails()
{
    QFETCH(QString, input);
    QFETCH(QString, output);
    QCOMPARE(normaliseEmail(input), output);
}

void TestTextTools::validatesEmailsLikeRuby_data()
{
    QTest::addColumn<QString>("email");
    QTest::addColumn<bool>("valid");
    const QString label63(63, u'x');
    const QString label64(64, u'x');
    QTest::newRow("simple") << u"user@example.com"_s << true;
    QTest::newRow("minimal") << u"a@b"_s << true;
    QTest::newRow("digits") << u"1@1"_s << true;
    QTest::newRow("plus and dots") << u"first.last+tag@sub.example.co.uk"_s << true;
    QTest::newRow("all specials in local part") << u"!#$%&'*+/=?^_`{|}~-@example.com"_s << true;
    QTest::newRow("consecutive dots in local part (Ruby allows)") << u"a..b@example.com"_s << true;
    QTest::newRow("leading dot in local part (Ruby allows)") << u".a@example.com"_s << true;
    QTest::newRow("hyphen inside label") << u"a@b-c.d"_s << true;
    QTest::newRow("63-char label") << u"a@"_s + label63 + u".com"_s << true;
    QTest::newRow("uppercase") << u"A@EXAMPLE.COM"_s << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("no at") << u"plainaddress"_s << false;
    QTest::newRow("no local part") << u"@example.com"_s << false;
    QTest::newRow("no domain") << u"a@"_s << false;
    QTest::newRow("two ats") << u"a@b@c.com"_s << false;
    QTest::newRow("label starts with hyphen") << u"a@-example.com"_s << false;
    QTest::newRow("label ends with hyphen") << u"a@example-.com"_s << false;
    QTest::newRow("empty label") << u"a@example..com"_s << false;
    QTest::newRow("leading dot in domain") << u"a@.example.com"_s << false;
    QTest::newRow("trailing dot in domain") << u"a@example.com."_s << false;
    QTest::newRow("64-char label") << u"a@"_s + label64 + u".com"_s << false;
    QTest::newRow("space in local part") << u"a b@example.com"_s << false;
    QTest::newRow("space in domain") << u"a@exa mple.com"_s << false;
    QTest::newRow("non-ASCII local part") << u"jos\u00e9@example.com"_s << false;
    QTest::newRow("non-ASCII domain") << u"a@b\u00fccher.de"_s << false;
    QTest::newRow("trailing newline (\\z, not $)") << u"a@b.com\n"_s << false;
    QTest::newRow("leading newline (\\A, not ^)") << u"\na@b.com"_s << false;
    QTest::newRow("newline inside") << u"a@b.com\nc@d.com"_s << false;
    QTest::newRow("surrounding spaces") << u" a@b.com "_s << false;
    QTest::newRow("underscore in domain") << u"a@ex_ample.com"_s << false;
    QTest::newRow("display name form") << u"John <john@example.com>"_s << false;
}

void TestTextTools::validatesEmailsLikeRuby()
{
    QFETCH(QString, email);
    QFETCH(bool, valid);
    QCOMPARE(isValidEmail(email), valid);
}

// Against Ruby's URI::MailTo::EMAIL_REGEXP itself (isValidEmail() matches by hand), on
// random strings made of the characters that matter, and on random mutations of valid addresses.
void TestTextTools::validatesEmailsAsRubysRegexpDoes()
{
    const QRegularExpression ruby(
        uR"(\A[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\z)"_s);
    QVERIFY(ruby.isValid());
    const QString alphabet = u"aZ09.-@_+!~ \n\u00e9\U0001F600"_s;
    QRandomGenerator random(5);
    int valid = 0;
    for (int i = 0; i < 20000; ++i) {
        QString email;
        if (i % 2 == 0) {
            const int size = int(random.bounded(0, 12));
            for (int k = 0; k < size; ++k)
                email += alphabet.at(random.bounded(alphabet.size()));
        } else {
            // user@label.label..., then a few characters changed, inserted or dropped
            email = u"user"_s + QString::number(i) + u"@"_s;
            const int labels = int(random.bounded(1, 4));
            for (int l = 0; l < labels; ++l) {
                if (l > 0)
                    email += u'.';
                email += QString(int(random.bounded(1, 66)), u'x');
            }
            const int edits = int(random.bounded(0, 3));
            for (int e = 0; e < edits && !email.isEmpty(); ++e) {
                const qsizetype at = random.bounded(email.size());
                const QChar c = alphabet.at(random.bounded(alphabet.size()));
                switch (random.bounded(3)) {
                case 0:
                    email[at] = c;
                    break;
                case 1:
                    email.insert(at, c);
                    break;
                default:
                    email.remove(at, 1);
                }
            }
        }
        const bool expected = ruby.match(email).hasMatch();
        valid += expected ? 1 : 0;
        QVERIFY2(isValidEmail(email) == expected, qPrintable(email));
    }
    QVERIFY(valid > 1000); // both answers were tried
}

void TestTextTools::trimsToNull_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("isNull");
    QTest::addColumn<QString>("output");
    QTest::newRow("null") << QString() << true << QString();
    QTest::newRow("empty") << u""_s << true << QString();
    QTest::newRow("whitespace") << u" \t\n "_s << true << QString();
    QTest::newRow("no-break space only") << u"\u00a0"_s << true << QString();
    QTest::newRow("text") << u"  a b  "_s << false << u"a b"_s;
    QTest::newRow("inner newline kept") << u" a\nb "_s << false << u"a\nb"_s;
    QTest::newRow("NUL dropped") << u"\0"_s << true << QString();
    QTest::newRow("NULs inside and around") << u"\0 a\0b \0"_s << false << u"ab"_s;
    QTest::newRow("nothing to trim") << u"a b"_s << false << u"a b"_s;
    QTest::newRow("NUL at the end only") << u"a b\0"_s << false << u"a b"_s;
    QTest::newRow("no-break space at the end") << u"a b\u00a0"_s << false << u"a b"_s;
}

void TestTextTools::trimsToNull()
{
    QFETCH(QString, input);
    QFETCH(bool, isNull);
    QFETCH(QString, output);
    const std::optional<QString> result = trimmedOrNull(input);
    QCOMPARE(!result.has_value(), isNull);
    if (result)
        QCOMPARE(*result, output);
    // A string of one's own, trimmed in place: the same answer.
    const std::optional<QString> own = trimmedOrNull(QString(input));
    QCOMPARE(own, result);
}

void TestTextTools::splitsNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("last");
    QTest::newRow("two words") << u"John Doe"_s << u"John"_s << u"Doe"_s;
    QTest::newRow("three words") << u"Jane van Doe"_s << u"Jane"_s << u"van Doe"_s;
    QTest::newRow("extra spaces") << u"  Jane   van  Doe "_s << u"Jane"_s << u"van Doe"_s;
    QTest::newRow("one word") << u"Cher"_s << u"Cher"_s << u"(none)"_s;
    QTest::newRow("empty") << u"   "_s << u"(none)"_s << u"(none)"_s;
    QTest::newRow("tab separated") << u"A\tB"_s << u"A"_s << u"B"_s;
    QTest::newRow("emoji") << u"\U0001F600 Smile"_s << u"\U0001F600"_s << u"Smile"_s;
}

void TestTextTools::splitsNames()
{
    QFETCH(QString, name);
    QFETCH(QString, first);
    QFETCH(QString, last);
    const NameParts parts = splitName(name);
    QCOMPARE(parts.first.value_or(u"(none)"_s), first);
    QCOMPARE(parts.last.value_or(u"(none)"_s), last);
}

void TestTextTools::convertsHtmlToPlainText_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << u"Hello"_s << u"Hello"_s;
    QTest::newRow("inline tags") << u"<b>bold</b> and <i>italic</i>"_s << u"bold and italic"_s;
    QTest::newRow("br") << u"one<br>two<br/>three<BR />four"_s << u"one\ntwo\nthree\nfour"_s;
    QTest::newRow("paragraphs") << u"<p>one</p><p>two</p>"_s << u"one\ntwo"_s;
    QTest::newRow("divs with empty line")
        << u"<div>one</div><div><br></div><div>two</div>"_s << u"one\n\ntwo"_s;
    QTest::newRow("list") << u"<ul><li>a</li><li>b</li></ul>"_s << u"a\nb"_s;
    QTest::newRow("source newlines are spaces in HTML")
        << u"<div>one\ntwo</div>\n<div>three</div>"_s << u"one two\nthree"_s;
    QTest::newRow("blank lines collapsed") << u"a<br><br><br><br>b"_s << u"a\n\nb"_s;
    QTest::newRow("plain text lines tidied")
        << u"\n \t\n  one \t two\t\n\n\n\u00a0\u2003\n  three  \n\n \n"_s << u"one two\n\nthree"_s;
    QTest::newRow("only blank lines") << u"\n \t \n\u2003\n"_s << QString();
    QTest::newRow("entities") << u"<p>&amp; &lt; &gt; &quot; &#39; &apos; &nbsp;x</p>"_s
                              << u"& < > \" ' ' x"_s;
    QTest::newRow("numeric entities")
        << u"<p>&#8364; &#x20AC; &#X20ac; &#65</p>"_s << u"\u20AC \u20AC \u20AC A"_s;
    QTest::newRow("bad numeric entities")
        << u"<p>&#0; &#xD800; &#99999999999;</p>"_s << u"\uFFFD \uFFFD \uFFFD"_s;
    QTest::newRow("unknown entity kept") << u"<p>AT&T &foo; &amp</p>"_s << u"AT&T &foo; &amp"_s;
    QTest::newRow("decoded once") << u"<p>&amp;lt;</p>"_s << u"&lt;"_s;
    QTest::newRow("named letters")
        << u"<p>Gr&ouml;&szlig;e &eacute;t&eacute;</p>"_s << u"Gr\u00f6\u00dfe \u00e9t\u00e9"_s;
    QTest::newRow("script dropped") << u"a<script>alert('x')</script>b"_s << u"ab"_s;
    QTest::newRow("script with markup inside")
        << u"a<script>if (a < b) document.write('</div>')</script>b"_s << u"ab"_s;
    QTest::newRow("upper-case script, spaced end tag")
        << u"a<SCRIPT type=\"x\">evil()</SCRIPT >b"_s << u"ab"_s;
    QTest::newRow("unclosed script drops the rest") << u"a<script>evil()"_s << u"a"_s;
    QTest::newRow("style dropped") << u"<style>p { color: red }</style>text"_s << u"text"_s;
    QTest::newRow("iframe and noscript dropped")
        << u"<iframe src=x>in</iframe>x<noscript>ns</noscript>"_s << u"x"_s;
    QTest::newRow("comment dropped") << u"a<!-- <script>x</script> -->b"_s << u"ab"_s;
    QTest::newRow("doctype dropped") << u"<!DOCTYPE html><p>x</p>"_s << u"x"_s;
    QTest::newRow("quoted > in attribute")
        << u"<p title=\"a > b\" data-x='c > d'>text</p>"_s << u"text"_s;
    QTest::newRow("event handler dropped with the tag")
        << u"<img src=x onerror=alert(1)>after"_s << u"after"_s;
    QTest::newRow("cut-off tag dropped") << u"text <img src=x onerror=alert(1)"_s << u"text"_s;
    QTest::newRow("lone < kept") << u"<p>a < b and 3<4</p>"_s << u"a < b and 3<4"_s;
    QTest::newRow("escaped tags neutralised")
        << u"<p>&lt;script&gt;x&lt;/script&gt;</p>"_s << u"< script>x< /script>"_s;
    QTest::newRow("escaped comment neutralised") << u"&lt;!--x--&gt;"_s << u"< !--x-->"_s;
    QTest::newRow("plain text keeps lines") << u" a \r\nb\r\rc\n\n\n\nd "_s << u"a\nb\n\nc\n\nd"_s;
    QTest::newRow("plain text entities") << u"Tom &amp; Jerry"_s << u"Tom & Jerry"_s;
    QTest::newRow("pre keeps lines") << u"<pre>a\n  b</pre>"_s << u"a\nb"_s;
    QTest::newRow("table cells")
        << u"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"_s << u"a b\nc"_s;
    QTest::newRow("only markup") << u"<p><br></p><p>&nbsp;</p>"_s << QString();
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("SQL text verbatim")
        << u"<p>'; DROP TABLE notes; --</p>"_s << u"'; DROP TABLE notes; --"_s;
    QTest::newRow("emoji") << u"<p>\U0001F680 launch</p>"_s << u"\U0001F680 launch"_s;
    QTest::newRow("NUL removed") << u"<p>a\0b</p>"_s << u"ab"_s;
}

void TestTextTools::convertsHtmlToPlainText()
{
    QFETCH(QString, html);
    QFETCH(QString, text);
    const QString result = htmlToPlainText(html);
    QCOMPARE(result, text);
}

void TestTextTools::parsesPipedriveTimes_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("utc"); // formatCrmTime of the result, empty when invalid
    QTest::newRow("RFC 3339 Z") << u"2024-11-05T10:56:51Z"_s << u"2024-11-05 10:56:51.000000"_s;
    QTest::newRow("with millis") << u"2024-11-05T10:56:51.123Z"_s
                                 << u"2024-11-05 10:56:51.123000"_s;
    QTest::newRow("with micros") << u"2024-11-05T10:56:51.123456Z"_s
                                 << u"2024-11-05 10:56:51.123000"_s;
    QTest::newRow("positive offset")
        << u"2024-11-05T12:56:51+02:00"_s << u"2024-11-05 10:56:51.000000"_s;
    QTest::newRow("negative offset over midnight")
        << u"2024-11-04T22:00:00-05:00"_s << u"2024-11-05 03:00:00.000000"_s;
    QTest::newRow("offset without colon")
        << u"2024-11-05T12:56:51+0200"_s << u"2024-11-05 10:56:51.000000"_s;
    QTest::newRow("v1 UTC") << u"2019-12-09 13:59:21"_s << u"2019-12-09 13:59:21.000000"_s;
    QTest::newRow("v1 with spaces")
        << u" 2019-12-09 13:59:21 "_s << u"2019-12-09 13:59:21.000000"_s;
    QTest::newRow("no zone means UTC")
        << u"2019-12-09T13:59:21"_s << u"2019-12-09 13:59:21.000000"_s;
    QTest::newRow("date only") << u"2021-01-01"_s << u"2021-01-01 00:00:00.000000"_s;
    QTest::newRow("leap day") << u"2024-02-29 00:00:00"_s << u"2024-02-29 00:00:00.000000"_s;
    QTest::newRow("zero time") << u"0000-00-00 00:00:00"_s << QString();
    QTest::newRow("zero date") << u"0000-00-00"_s << QString();
    QTest::newRow("empty") << u""_s << QString();
    QTest::newRow("not a time") << u"yesterday"_s << QString();
    QTest::newRow("bad month") << u"2024-13-01 00:00:00"_s << QString();
    QTest::newRow("not a leap day") << u"2023-02-29 00:00:00"_s << QString();
    QTest::newRow("a century is no leap year") << u"1900-02-29T00:00:00Z"_s << QString();
    QTest::newRow("every fourth century is")
        << u"2000-02-29T23:59:59Z"_s << u"2000-02-29 23:59:59.000000"_s;
    QTest::newRow("31st of April") << u"2024-04-31T00:00:00Z"_s << QString();
    QTest::newRow("31st of December")
        << u"1999-12-31T23:59:59Z"_s << u"1999-12-31 23:59:59.000000"_s;
    QTest::newRow("1st of March") << u"2024-03-01T00:00:00Z"_s << u"2024-03-01 00:00:00.000000"_s;
    QTest::newRow("1st of January of year 1")
        << u"0001-01-01 00:00:00"_s << u"0001-01-01 00:00:00.000000"_s;
    QTest::newRow("before the epoch")
        << u"1969-12-31T23:59:58Z"_s << u"1969-12-31 23:59:58.000000"_s;
    QTest::newRow("year 0") << u"0000-01-01T00:00:00Z"_s << QString();
    QTest::newRow("bad minute") << u"2024-01-01T00:60:00Z"_s << QString();
    QTest::newRow("bad second") << u"2024-01-01T00:00:60Z"_s << QString();
    QTest::newRow("month 0") << u"2024-00-10T00:00:00Z"_s << QString();
    QTest::newRow("bad hour") << u"2024-01-01 25:00:00"_s << QString();
    QTest::newRow("bad offset") << u"2024-01-01T00:00:00+25:00"_s << QString();
    QTest::newRow("trailing junk") << u"2024-01-01 00:00:00 xyz"_s << QString();
    QTest::newRow("epoch number as text") << u"1609459200"_s << QString();
    QTest::newRow("non-ASCII digit") << u"2024-11-05T10:56:5\u0661Z"_s << QString();
    QTest::newRow("v2 with a space")
        << u"2024-11-05 10:56:51Z"_s << u"2024-11-05 10:56:51.000000"_s;
}

void TestTextTools::parsesPipedriveTimes()
{
    QFETCH(QString, input);
    QFETCH(QString, utc);
    const QDateTime time = parsePipedriveTime(input);
    QCOMPARE(time.isValid(), !utc.isEmpty());
    if (time.isValid())
        QCOMPARE(time.timeSpec(), Qt::UTC);
    QCOMPARE(formatCrmTime(time), utc);
    // Read from a JSON string's UTF-8 bytes: the same time.
    const QDateTime fromBytes = parsePipedriveTime(QByteArrayView(input.toUtf8()));
    QCOMPARE(fromBytes.isValid(), time.isValid());
    QCOMPARE(fromBytes, time);
    QCOMPARE(formatCrmTime(fromBytes), utc);
}

void TestTextTools::readsEveryDayAsQDateTimeDoes()
{
    // The common shapes are read by arithmetic, not through QDate: every day of the years around
    // the leap rules' turns, the epoch and the ends of the range, as QDateTime makes it.
    for (const int first : { 1, 1599, 1899, 1969, 1999, 2099, 2399, 9998 }) {
        for (QDate day(first, 1, 1); day.year() <= first + 1 + (first == 9998 ? 0 : 1);
             day = day.addDays(1)) {
            const QDateTime expected(day, QTime(23, 59, 58), Qt::UTC);
            const QByteArray v2 = day.toString(Qt::ISODate).toLatin1() + "T23:59:58Z";
            const QByteArray v1 = day.toString(Qt::ISODate).toLatin1() + " 23:59:58";
            QCOMPARE(parsePipedriveTime(QByteArrayView(v2)), expected);
            QCOMPARE(parsePipedriveTime(QByteArrayView(v1)), expected);
            QCOMPARE(parsePipedriveTime(QByteArrayView(v2)).timeSpec(), Qt::UTC);
        }
    }
}

void TestTextTools::parsesDates_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("date");
    QTest::newRow("date") << u"2021-03-31"_s << u"2021-03-31"_s;
    QTest::newRow("spaces") << u" 2021-03-31 "_s << u"2021-03-31"_s;
    QTest::newRow("zero") << u"0000-00-00"_s << QString();
    QTest::newRow("impossible") << u"2021-02-30"_s << QString();
    QTest::newRow("with time") << u"2021-03-31 10:00:00"_s << QString();
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("year 1") << u"0001-01-01"_s << u"0001-01-01"_s;
    QTest::newRow("leap day") << u"2024-02-29"_s << u"2024-02-29"_s;
    QTest::newRow("short year") << u"202-03-31"_s << QString();
    QTest::newRow("slashes") << u"2021/03/31"_s << QString();
    QTest::newRow("non-ASCII digit") << u"2021-03-3\u0661"_s << QString();
    QTest::newRow("sign") << u"+021-03-31"_s << QString();
}

void TestTextTools::parsesDates()
{
    QFETCH(QString, input);
    QFETCH(QString, date);
    QCOMPARE(formatCrmDate(parsePipedriveDate(input)), date);
}

void TestTextTools::formatsTimesAsRailsDoes()
{
    QCOMPARE(formatCrmTime(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 67), Qt::UTC)),
        u"2024-01-02 03:04:05.067000"_s);
    // Times in another zone are written as UTC.
    QCOMPARE(formatCrmTime(QDateTime(QDate(2024, 1, 2), QTime(3, 0), Qt::OffsetFromUTC, 3600)),
        u"2024-01-02 02:00:00.000000"_s);
    QVERIFY(formatCrmTime(QDateTime()).isNull());
    QCOMPARE(formatCrmDate(QDate(2024, 12, 31)), u"2024-12-31"_s);
    QVERIFY(formatCrmDate(QDate()).isNull());
}

void TestTextTools::mapsStageNamesByKeyword_data()
{
    QTest::addColumn<QString>("stageName");
    QTest::addColumn<QString>("stage");
    QTest::newRow("qualif") << u"Qualified"_s << u"analysis"_s;
    QTest::newRow("qualif inside") << u"Lead qualification"_s << u"analysis"_s;
    QTest::newRow("analys") << u"Needs ANALYSIS"_s << u"analysis"_s;
    QTest::newRow("analys British") << u"Analyse"_s << u"analysis"_s;
    QTest::newRow("present") << u"Presentation"_s << u"presentation"_s;
    QTest::newRow("demo") << u"Demo scheduled"_s << u"presentation"_s;
    QTest::newRow("proposal") << u"Proposal Made"_s << u"proposal"_s;
    QTest::newRow("negotiat") << u"Negotiations Started"_s << u"negotiation"_s;
    QTest::newRow("final") << u"Final review"_s << u"final_review"_s;
    QTest::newRow("contract") << u"Contract sent"_s << u"final_review"_s;
    QTest::newRow("first rule wins") << u"Qualified proposal"_s << u"analysis"_s;
    QTest::newRow("present before proposal") << u"Proposal presented"_s << u"presentation"_s;
    QTest::newRow("nothing") << u"Lead In"_s << u"prospecting"_s;
    QTest::newRow("contacted") << u"Contact Made"_s << u"prospecting"_s;
    QTest::newRow("empty") << QString() << u"prospecting"_s;
}

void TestTextTools::mapsStageNamesByKeyword()
{
    QFETCH(QString, stageName);
    QFETCH(QString, stage);
    QCOMPARE(crmStageForName(stageName), stage);
}

void TestTextTools::mapsStageNamesAlikeWhenAskedAgain()
{
    // The answers are remembered by name (a short list, emptied when full): asked again, in
    // another order and past the list's size, each name still gets its own stage.
    QList<std::pair<QString, QString>> names;
    for (int i = 0; i < 40; ++i) {
        names.append({ u"Step %1 demo"_s.arg(i), u"presentation"_s });
        names.append({ u"Step %1"_s.arg(i), u"prospecting"_s });
        names.append({ u"Step %1 contract"_s.arg(i), u"final_review"_s });
    }
    for (int round = 0; round < 3; ++round) {
        for (qsizetype i = 0; i < names.size(); ++i) {
            const auto &[name, stage] = names.at(round == 1 ? names.size() - 1 - i : i);
            QCOMPARE(crmStageForName(name), stage);
            QCOMPARE(crmStageForName(QStringView(name).left(6)), u"prospecting"_s);
        }
    }
}

void TestTextTools::knowsCrmStages()
{
    for (const QString &stage : { u"prospecting"_s, u"proposal"_s, u"analysis"_s, u"presentation"_s,
             u"negotiation"_s, u"final_review"_s, u"closed_won"_s, u"closed_lost"_s })
        QVERIFY2(isCrmStage(stage), qPrintable(stage));
    QVERIFY(!isCrmStage(u"Prospecting"_s));
    QVERIFY(!isCrmStage(u"won"_s));
    QVERIFY(!isCrmStage(QString()));
}

void TestTextTools::mapsOpportunityTypes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("type"); // "" = says neither
    QTest::newRow("CRM value existing") << u"existing_customer"_s << u"existing_customer"_s;
    QTest::newRow("CRM value new") << u"new_customer"_s << u"new_customer"_s;
    QTest::newRow("label Existing customer") << u"Existing Customer"_s << u"existing_customer"_s;
    QTest::newRow("renewal is existing, not new") << u"Renewal"_s << u"existing_customer"_s;
    QTest::newRow("upsell") << u"Upsell"_s << u"existing_customer"_s;
    QTest::newRow("German existing") << u"Bestandskunde"_s << u"existing_customer"_s;
    QTest::newRow("New business") << u" New business "_s << u"new_customer"_s;
    QTest::newRow("German new") << u"Neukunde"_s << u"new_customer"_s;
    QTest::newRow("neither") << u"Partner"_s << QString();
    QTest::newRow("empty") << u"  "_s << QString();
}

void TestTextTools::mapsOpportunityTypes()
{
    QFETCH(QString, text);
    QFETCH(QString, type);
    QCOMPARE(crmOpportunityType(text).value_or(QString()), type);
    QCOMPARE(isOpenCrmStage(u"closed_won"_s), false);
    QCOMPARE(openCrmStages().size(), 6);
    for (const QString &stage : openCrmStages())
        QVERIFY(isOpenCrmStage(stage));
}

void TestTextTools::mapsPriorityLabels_data()
{
    QTest::addColumn<QString>("label");
    QTest::addColumn<QString>("priority");
    QTest::newRow("High") << u"High"_s << u"high"_s;
    QTest::newRow("Highest") << u"highest"_s << u"high"_s;
    QTest::newRow("Urgent") << u"Urgent"_s << u"high"_s;
    QTest::newRow("Low") << u"Low"_s << u"low"_s;
    QTest::newRow("Very low") << u"Very low"_s << u"low"_s;
    QTest::newRow("Medium") << u"Medium"_s << u"medium"_s;
    QTest::newRow("Normal") << u"Normal"_s << u"medium"_s;
    QTest::newRow("empty") << QString() << u"medium"_s;
}

void TestTextTools::mapsPriorityLabels()
{
    QFETCH(QString, label);
    QFETCH(QString, priority);
    QCOMPARE(crmPriorityForLabel(label), priority);
}

void TestTextTools::formatsNumbers_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("text");
    QTest::newRow("integer") << 200.0 << u"200"_s;
    QTest::newRow("zero") << 0.0 << u"0"_s;
    QTest::newRow("negative") << -5.0 << u"-5"_s;
    QTest::newRow("fraction") << 0.1 << u"0.1"_s;
    QTest::newRow("million") << 1e6 << u"1000000"_s;
    QTest::newRow("large fraction") << 1234567.5 << u"1234567.5"_s;
}

void TestTextTools::formatsNumbers()
{
    QFETCH(double, value);
    QFETCH(QString, text);
    QCOMPARE(numberText(value), text);
}

void TestTextTools::readsJsonTextAsItTrims_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << u"Acme Ltd"_s;
    QTest::newRow("one letter") << u"x"_s;
    QTest::newRow("spaces") << u"  Acme  "_s;
    QTest::newRow("tab and newline") << u"\tAcme\n"_s;
    QTest::newRow("carriage return at the end") << u"Acme\r"_s;
    QTest::newRow("vertical tab and form feed") << u"\vAcme\f"_s;
    QTest::newRow("unit separator (no space to Qt)") << u"\x1f"
                                                        "Acme\x1f"_s;
    QTest::newRow("NUL inside") << QString(u"Ac\0me"_s);
    QTest::newRow("NUL at the end") << QString(u"Acme\0"_s);
    QTest::newRow("only NULs and spaces") << QString(u" \0 "_s);
    QTest::newRow("no-break space at the end") << u"Acme\u00a0"_s;
    QTest::newRow("ideographic space at the start") << u"\u3000Acme"_s;
    QTest::newRow("line separator at the end") << u"Acme\u2028"_s;
    QTest::newRow("next line at the start") << u"\u0085Acme"_s;
    QTest::newRow("accent at both ends") << u"\u00e9t\u00e9"_s;
    QTest::newRow("emoji at the end") << u"Acme \U0001F600"_s;
    QTest::newRow("no-break space inside") << u"Acme\u00a0Ltd"_s;
    QTest::newRow("blank") << u"   "_s;
    QTest::newRow("empty") << QString();
}

void TestTextTools::readsJsonTextAsItTrims()
{
    // A string read from a parsed page (read in place when it needs no trimming) is what
    // trimmedOrNull() makes of it.
    QFETCH(QString, text);
    const QJsonObject o { { u"text"_s, text } };
    QCOMPARE(readText(o, u"text"), trimmedOrNull(QString(text)));
}

void TestTextTools::readsJsonDefensively()
{
    const QJsonObject o { { u"int"_s, 42 }, { u"str"_s, u" 42 "_s },
        { u"v1"_s, QJsonObject { { u"value"_s, 7 }, { u"name"_s, u"x"_s } } }, { u"neg"_s, -1 },
        { u"frac"_s, 2.5 }, { u"bool"_s, true }, { u"arr"_s, QJsonArray { 1 } }, { u"zero"_s, 0 },
        { u"text"_s, u"  hi  "_s }, { u"blank"_s, u"   "_s }, { u"numstr"_s, u"12.5"_s },
        { u"one"_s, 1 }, { u"strfalse"_s, u"false"_s }, { u"two"_s, 2 } };
    QCOMPARE(readId(o, u"int"), std::optional<qint64>(42));
    QCOMPARE(readId(o, u"str"), std::optional<qint64>(42));
    QCOMPARE(readId(o, u"v1"), std::optional<qint64>(7));
    QVERIFY(!readId(o, u"neg"));
    QVERIFY(!readId(o, u"frac"));
    QVERIFY(!readId(o, u"bool"));
    QVERIFY(!readId(o, u"arr"));
    QVERIFY(!readId(o, u"zero"));
    QVERIFY(!readId(o, u"missing"));
    QCOMPARE(readText(o, u"text"), std::optional<QString>(u"hi"_s));
    QVERIFY(!readText(o, u"blank"));
    QCOMPARE(readText(o, u"int"), std::optional<QString>(u"42"_s));
    QCOMPARE(readText(o, u"frac"), std::optional<QString>(u"2.5"_s));
    QVERIFY(!readText(o, u"bool"));
    QVERIFY(!readText(o, u"arr"));
    QCOMPARE(readNumber(o, u"numstr"), std::optional<double>(12.5));
    QCOMPARE(readNumber(o, u"frac"), std::optional<double>(2.5));
    QVERIFY(!readNumber(o, u"text"));
    QVERIFY(!readNumber(o, u"bool"));
    QCOMPARE(readBool(o, u"bool"), std::optional<bool>(true));
    QCOMPARE(readBool(o, u"one"), std::optional<bool>(true));
    QCOMPARE(readBool(o, u"zero"), std::optional<bool>(false));
    QCOMPARE(readBool(o, u"strfalse"), std::optional<bool>(false));
    QVERIFY(!readBool(o, u"two"));
    QVERIFY(!readBool(o, u"text"));
    QVERIFY(!readBool(o, u"missing"));
}

QTEST_GUILESS_MAIN(TestTextTools)
#include "tst_texttools.moc"
