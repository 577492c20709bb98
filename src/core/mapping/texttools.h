#pragma once

// Text and time helpers of the mapping layer. Pure functions, no I/O; public because the sync
// engine and the settings UI need the same rules (e-mail identity, stage keywords, time format).

#include <QDate>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace pds::mapping {

// Trimmed and lower-cased, as Devise stores and looks up e-mail addresses.
QString normaliseEmail(QStringView email);

// Ruby's URI::MailTo::EMAIL_REGEXP, which the CRM's models validate with (ASCII only, anchored).
bool isValidEmail(QStringView email);

// Trimmed text, or nullopt when nothing is left. Also drops NUL characters, which PostgreSQL
// cannot store in text columns.
std::optional<QString> trimmedOrNull(QStringView text);
// The same for a string of one's own (a value just read), trimmed where it is, not copied.
std::optional<QString> trimmedOrNull(QString &&text);
// The same for a string that is kept: handed back shared when there is nothing to trim (nearly
// always: links' names, options' texts), copied only to be trimmed.
std::optional<QString> trimmedOrNull(const QString &text);

struct NameParts
{
    std::optional<QString> first; // first word
    std::optional<QString> last; // the rest, nullopt when the name is a single word
};
// Splits a display name into first word / rest, collapsing inner whitespace.
NameParts splitName(QStringView name);

// Pipedrive notes are HTML. Returns plain text: tags dropped, script/style/... content dropped
// entirely, entities decoded, <br> and block elements (p, div, li, tr, h1..h6, ...) become line
// breaks, runs of blank lines collapse to one, lines are trimmed. Text without any tag keeps its
// own line breaks. A '<' that could start a tag in the result (say from "&lt;script&gt;") is
// followed by a space, so the text never holds markup a browser would run.
QString htmlToPlainText(QStringView html);

// Pipedrive times, as UTC: RFC 3339 with or without fractions ("2024-11-05T10:56:51Z",
// "...51.123+02:00"), v1 "YYYY-MM-DD HH:MM:SS" (UTC), or a bare "YYYY-MM-DD" (midnight UTC).
// Empty, "0000-00-00 00:00:00" and anything else give an invalid QDateTime.
QDateTime parsePipedriveTime(QStringView text);
// The same from UTF-8 (a JSON string's bytes where they lie: no QString for the common shapes).
QDateTime parsePipedriveTime(QByteArrayView utf8);
// "YYYY-MM-DD" only; anything else (including "0000-00-00") gives an invalid QDate.
QDate parsePipedriveDate(QStringView text);

// How Rails stores a datetime(6) in SQLite: UTC, "yyyy-MM-dd HH:mm:ss.zzz000". Null QString for
// an invalid time.
QString formatCrmTime(const QDateTime &time);
// "yyyy-MM-dd", null QString for an invalid date.
QString formatCrmDate(QDate date);

// The CRM's opportunity stages (Opportunity::STAGES).
bool isCrmStage(QStringView stage);
// SPEC §4 keyword rules on a Pipedrive stage name, case-insensitive, first match wins:
// "qualif"/"analys" -> analysis, "present"/"demo" -> presentation, "proposal" -> proposal,
// "negotiat" -> negotiation, "final"/"contract" -> final_review, else prospecting.
QString crmStageForName(QStringView stageName);
// The stages an open deal may map to (the stage map's choices): the CRM's stages without the
// closed ones, which only won and lost deals get.
QStringList openCrmStages();
bool isOpenCrmStage(QStringView stage);

// The CRM's opportunity type for the text of a Pipedrive field (an option label, say):
// "existing_customer" for the CRM's own value or words such as "existing", "renewal",
// "upsell", "Bestandskunde"; "new_customer" for "new_customer", "new", "Neukunde"; nullopt when
// the text says neither. Case-insensitive.
std::optional<QString> crmOpportunityType(QStringView text);

// A CRM task priority (high, medium, low) for a Pipedrive priority label; "medium" when the
// label says nothing known.
QString crmPriorityForLabel(QStringView label);

// A JSON number as text without exponent or trailing zeros ("200", "0.1", "1234567.5").
QString numberText(double value);

// At most `length` UTF-16 units of `text`, never ending in half a surrogate pair (an emoji cut in
// two shows as a replacement character, or breaks the UTF-8 it is stored as).
QString leftWhole(const QString &text, qsizetype length);

} // namespace pds::mapping
