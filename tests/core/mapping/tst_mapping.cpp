// Table-driven tests of the mappers (SPEC §4): one row per rule and per awkward input. Records
// come from tests/core/mapping/fixtures/*.json (v1 shape for users and notes, v2 for the
// rest); a row may patch fields (generated 10,000-character values), set the links the engine
// would resolve and the options, and lists the expected columns and problems.

#include "mapping/jsonreader.h"
#include "mapping/mapping.h"
#include "mappingtestutil.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pds::mapping;
using pds::test::compareColumns;
using pds::test::fixture;
using pds::test::patched;
using pds::test::problemLines;

namespace {

const QString kOwner = u"owner@example.com"_s;
const QVariant kNull; // expected NULL column
const QString kFallback = u"2030-01-01 00:00:00.000000"_s;

const QString kPhoneKey = u"9fadf4cd4415589522f8d54c4f0482e1df7a862a"_s;
const QString kEmailKey = u"938f8e1dcc188659ce38ba66ef097f01473503fc"_s;
const QString kWebsiteKey = u"1339c02156d59ca79c546c49cf2fa42e844d4293"_s;

MappingOptions baseOptions()
{
    MappingOptions options;
    const QJsonObject fields = pds::test::fixtureFile(u"fields"_s);
    options.dealFields = customFieldDefs(fields.value(u"dealFields"_s).toArray());
    options.activityPriorities = priorityLabels(fields.value(u"activityFields"_s).toArray());
    options.fallbackTime = QDateTime(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC);
    return options;
}

MappingOptions optionsFrom(const QVariantMap &map)
{
    MappingOptions options = baseOptions();
    const auto text = [&map](const QString &key, QString &target) {
        if (map.contains(key))
            target = map.value(key).toString();
    };
    const auto field = [&map, &options](const QString &key, const QString &target) {
        if (map.contains(key))
            options.fieldMap.insert(target, map.value(key).toString());
    };
    field(u"phoneKey"_s, u"accounts.phone"_s);
    field(u"emailKey"_s, u"accounts.email"_s);
    field(u"websiteKey"_s, u"accounts.website"_s);
    const QVariantMap fieldMap = map.value(u"fieldMap"_s).toMap();
    for (auto it = fieldMap.constBegin(); it != fieldMap.constEnd(); ++it)
        options.fieldMap.insert(it.key(), it.value().toString());
    text(u"phonePlaceholder"_s, options.phonePlaceholder);
    text(u"accountPlaceholder"_s, options.accountPlaceholder);
    text(u"firstNamePlaceholder"_s, options.firstNamePlaceholder);
    text(u"lastNamePlaceholder"_s, options.lastNamePlaceholder);
    text(u"opportunityType"_s, options.opportunityType);
    const QVariantMap stageMap = map.value(u"stageMap"_s).toMap();
    for (auto it = stageMap.constBegin(); it != stageMap.constEnd(); ++it)
        options.stageMap.insert(it.key().toLongLong(), it.value().toString());
    if (map.value(u"noDealFields"_s).toBool())
        options.dealFields.clear();
    return options;
}

std::optional<qint64> optionalId(const QVariantMap &map, const QString &key, qint64 fallback)
{
    if (!map.contains(key))
        return fallback;
    const QVariant value = map.value(key);
    if (!value.isValid() || value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

QString linkText(const QVariantMap &map, const QString &key, const QString &fallback = {})
{
    return map.contains(key) ? map.value(key).toString() : fallback;
}

void addColumns()
{
    QTest::addColumn<QString>("fixtureName");
    QTest::addColumn<QJsonObject>("patch");
    QTest::addColumn<QVariantMap>("links");
    QTest::addColumn<QVariantMap>("options");
    QTest::addColumn<QVariantMap>("expected");
    QTest::addColumn<QStringList>("problems");
}

void addRow(const char *name, const QString &fixtureName, const QVariantMap &expected,
    const QStringList &problems = {}, const QVariantMap &links = {},
    const QVariantMap &options = {}, const QJsonObject &patch = {})
{
    QTest::newRow(name) << fixtureName << patch << links << options << expected << problems;
}

const QVariantMap kNoRow = { { u"_none"_s, true } };

template<class Row> void verifyRow(const Mapped<Row> &result, const QVariantMap &expected)
{
    if (expected.value(u"_none"_s).toBool()) {
        QVERIFY2(!result.row, "expected no row");
        return;
    }
    QVERIFY2(result.row.has_value(), "expected a row");
    if (expected.contains(u"_id"_s))
        QCOMPARE(result.pipedriveId.value_or(-1), expected.value(u"_id"_s).toLongLong());
    const QStringList mismatches = compareColumns(toColumns(*result.row), expected);
    QVERIFY2(mismatches.isEmpty(), qPrintable(mismatches.join(u'\n')));
}

QString targetsText(const NoteTargets &targets)
{
    QStringList parts;
    if (targets.dealId)
        parts.append(u"deal=%1"_s.arg(*targets.dealId));
    if (targets.personId)
        parts.append(u"person=%1"_s.arg(*targets.personId));
    if (targets.orgId)
        parts.append(u"org=%1"_s.arg(*targets.orgId));
    if (targets.leadId)
        parts.append(u"lead="_s + *targets.leadId);
    return parts.join(u' ');
}

// Example records of the official OpenAPI files: the shapes Pipedrive documents.
QJsonObject officialExample(const QString &file, const QString &path)
{
    QFile f(QStringLiteral(PDS_SHARED_DIR "/pipedrive/openapi/") + file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject spec = QJsonDocument::fromJson(f.readAll()).object();
    return spec
        .value(u"paths"_s)[path][u"get"_s][u"responses"_s][u"200"_s][u"content"_s]
                          [u"application/json"_s][u"example"_s][u"data"_s][0]
        .toObject();
}

} // namespace

class TestMapping : public QObject
{
    Q_OBJECT

private slots:
    void mapsUsers_data();
    void mapsUsers();
    void caseTwinUsersShareOneIdentity();
    void userRowsNeverCarryAdmin();

    void mapsOrganizations_data();
    void mapsOrganizations();

    void mapsPersons_data();
    void mapsPersons();
    void promotedLeadKeepsItsRowMarkedQualified();

    void mapsDeals_data();
    void mapsDeals();

    void mapsActivities_data();
    void mapsActivities();
    void readsDueTimes_data();
    void readsDueTimes();

    void mapsNotes_data();
    void mapsNotes();

    void readsRecordRefsOfV1AndV2Shapes();
    void readsCustomFieldDefinitions();
    void rendersCustomFieldValues_data();
    void rendersCustomFieldValues();
    void mapsOfficialApiExamples();

    void mapsCustomFieldsOfEveryType_data();
    void mapsCustomFieldsOfEveryType();
    void readsOptionIdsSentAsNumbersAsTheirText();
    void readsV1AddressPartsFromTheirSiblingKeys();
    void mapsAddressPartsFromAnyField_data();
    void mapsAddressPartsFromAnyField();
    void mapsOpportunityTypeFromAField_data();
    void mapsOpportunityTypeFromAField();
    void listsEveryFieldForTheFieldMap();
    void rowColumnsShareTheirNamesInTheMapsOrder();
    void findsTheLinksOfUserPersonAndOrganizationFields();

    void survivesGarbage_data();
    void survivesGarbage();
};

// ---- Users ------------------------------------------------------------------------------------

void TestMapping::mapsUsers_data()
{
    addColumns();
    addRow("email normalised, name split, times UTC", u"users/admin-john"_s,
        { { u"_id"_s, 1 }, { u"email"_s, u"john.doe@example.com"_s },
            { u"first_name"_s, u"John"_s }, { u"last_name"_s, u"Doe"_s },
            { u"phone"_s, u"0000-0001"_s }, { u"approved"_s, true },
            { u"created_at"_s, u"2018-11-13 09:16:26.000000"_s },
            { u"updated_at"_s, u"2019-11-21 08:45:56.000000"_s } });
    addRow("case twin normalises to the same email", u"users/case-twin"_s,
        { { u"email"_s, u"john.doe@example.com"_s }, { u"first_name"_s, u"John"_s },
            { u"last_name"_s, u"Doe (old login)"_s }, { u"phone"_s, kNull } });
    addRow("deactivated: not approved, blank phone NULL, inner spaces collapsed",
        u"users/deactivated"_s,
        { { u"email"_s, u"jane@example.com"_s }, { u"first_name"_s, u"Jane"_s },
            { u"last_name"_s, u"van Doe"_s }, { u"phone"_s, kNull }, { u"approved"_s, false } });
    addRow("null email skipped", u"users/no-email"_s, kNoRow, { u"skipped: no valid email"_s });
    addRow("invalid email skipped", u"users/invalid-email"_s, kNoRow,
        { u"skipped: no valid email"_s });
    addRow("number as email skipped", u"users/email-wrong-type"_s, kNoRow,
        { u"skipped: no valid email"_s });
    addRow("single-word name: last name NULL, active_flag 1", u"users/single-name"_s,
        { { u"first_name"_s, u"Cher"_s }, { u"last_name"_s, kNull }, { u"approved"_s, true },
            { u"updated_at"_s, u"2019-01-22 10:43:47.000000"_s } });
    addRow("0000-00-00 times ignored quietly", u"users/invited-never-logged-in"_s,
        { { u"created_at"_s, u"2020-01-02 03:04:05.000000"_s },
            { u"updated_at"_s, u"2020-01-02 03:04:05.000000"_s }, { u"approved"_s, false } });
    addRow("no times: fallback time and a warning", u"users/no-times"_s,
        { { u"created_at"_s, kFallback }, { u"updated_at"_s, kFallback } },
        { u"warning: missing time"_s });
    addRow("id and flag as strings", u"users/id-as-string"_s,
        { { u"_id"_s, 17 }, { u"approved"_s, true } });
    addRow("missing id skipped", u"users/no-id"_s, kNoRow, { u"skipped: missing id"_s });
    addRow("id beyond 32 bits skipped", u"users/id-too-large"_s, kNoRow,
        { u"skipped: id out of range"_s });
    addRow("array as name: names NULL", u"users/name-wrong-type"_s,
        { { u"first_name"_s, kNull }, { u"last_name"_s, kNull } });
    addRow("no active flag: not approved, warned", u"users/no-active-flag"_s,
        { { u"approved"_s, false } }, { u"warning: missing active flag"_s });
    addRow("unicode and emoji kept", u"users/unicode"_s,
        { { u"first_name"_s, u"Zoë"_s }, { u"last_name"_s, u"😀 Ñúñez-Łukasz"_s },
            { u"phone"_s, u"+49 (30) 123 456"_s } });
    const QString longLast(9998, u'b');
    addRow("10,000-character name kept whole", u"users/single-name"_s,
        { { u"first_name"_s, u"A"_s }, { u"last_name"_s, longLast } }, {}, {}, {},
        { { u"name"_s, u"A "_s + longLast } });
    addRow("apostrophe email kept verbatim", u"users/single-name"_s,
        { { u"email"_s, u"o'brien+test@example.com"_s } }, {}, {}, {},
        { { u"email"_s, u"O'Brien+Test@Example.com"_s } });
    addRow("email with an embedded newline skipped", u"users/single-name"_s, kNoRow,
        { u"skipped: no valid email"_s }, {}, {}, { { u"email"_s, u"a@b.com\nx"_s } });
}

void TestMapping::mapsUsers()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    const Mapped<UserRow> result
        = mapUser(patched(fixture(fixtureName), patch), optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    verifyRow(result, expected);
}

void TestMapping::caseTwinUsersShareOneIdentity()
{
    const QString john = userIdentity(fixture(u"users/admin-john"_s));
    QCOMPARE(john, u"john.doe@example.com"_s);
    QCOMPARE(userIdentity(fixture(u"users/case-twin"_s)), john);
    QVERIFY(userIdentity(fixture(u"users/deactivated"_s)) != john);
    QCOMPARE(userIdentity(fixture(u"users/invalid-email"_s)), QString());
    QCOMPARE(userIdentity(fixture(u"users/email-wrong-type"_s)), QString());
}

void TestMapping::userRowsNeverCarryAdmin()
{
    // The fixture is a Pipedrive admin (access[].admin, is_admin): the CRM row must not say so.
    const Mapped<UserRow> result = mapUser(fixture(u"users/admin-john"_s));
    QVERIFY(result.row);
    const QVariantMap columns = toColumns(*result.row);
    QVERIFY(!columns.contains(u"admin"_s));
    QVERIFY(!columns.contains(u"encrypted_password"_s));
    QCOMPARE(columns.keys(),
        QStringList({ u"approved"_s, u"created_at"_s, u"email"_s, u"first_name"_s, u"last_name"_s,
            u"phone"_s, u"updated_at"_s }));
}

// ---- Organizations --------------------------------------------------------------------------

void TestMapping::mapsOrganizations_data()
{
    addColumns();
    const QVariantMap fieldMap = { { u"phoneKey"_s, kPhoneKey }, { u"emailKey"_s, kEmailKey },
        { u"websiteKey"_s, kWebsiteKey } };
    addRow("structured address, owner, built-in website, phone placeholder",
        u"organizations/full"_s,
        { { u"_id"_s, 1 }, { u"name"_s, u"Acme Corp"_s }, { u"address"_s, u"Main St 123"_s },
            { u"city"_s, u"Sunnyvale"_s }, { u"state"_s, u"CA"_s }, { u"zip"_s, u"94085"_s },
            { u"assigned_to"_s, kOwner }, { u"phone"_s, u"N/A"_s }, { u"email"_s, kNull },
            { u"website"_s, u"https://www.company.com"_s },
            { u"created_at"_s, u"2021-01-01 00:00:00.000000"_s },
            { u"updated_at"_s, u"2021-06-01 12:30:45.123000"_s } });
    addRow("mapped custom fields give phone, email, website", u"organizations/full"_s,
        { { u"phone"_s, u"+1 555 0100"_s }, { u"email"_s, u"info@company.com"_s },
            { u"website"_s, u"https://custom.example.org"_s } },
        {}, {}, fieldMap);
    addRow("custom placeholder", u"organizations/full"_s, { { u"phone"_s, u"unknown"_s } }, {}, {},
        { { u"phonePlaceholder"_s, u" unknown "_s } });
    addRow("no phone and no placeholder skipped", u"organizations/full"_s, kNoRow,
        { u"skipped: no phone"_s }, {}, { { u"phonePlaceholder"_s, u""_s } });
    addRow("address value only, offset times to UTC", u"organizations/address-value-only"_s,
        { { u"address"_s, u"Somewhere 5, 10115 Berlin"_s }, { u"city"_s, kNull },
            { u"state"_s, kNull }, { u"zip"_s, kNull }, { u"website"_s, kNull },
            { u"created_at"_s, u"2021-01-01 00:00:00.000000"_s } });
    addRow("null address and custom_fields", u"organizations/address-null"_s,
        { { u"address"_s, kNull }, { u"city"_s, kNull }, { u"phone"_s, u"N/A"_s } });
    addRow("v1 address string with flat parts", u"organizations/v1-address"_s,
        { { u"name"_s, u"Berliner Bär AG"_s }, { u"address"_s, u"Hauptstr. 1"_s },
            { u"city"_s, u"Berlin"_s }, { u"state"_s, u"Berlin"_s }, { u"zip"_s, u"10115"_s },
            { u"website"_s, kNull }, { u"created_at"_s, u"2020-05-05 10:00:00.000000"_s },
            { u"updated_at"_s, u"2020-05-06 11:00:00.000000"_s } });
    addRow("cc_email never becomes the website", u"organizations/cc-email-only"_s,
        { { u"website"_s, kNull } });
    addRow("cc_email refused even when mapped", u"organizations/cc-email-only"_s,
        { { u"website"_s, kNull } }, { u"warning: cc_email is not a website"_s }, {},
        { { u"websiteKey"_s, u"cc_email"_s } });
    addRow("an email in website is dropped", u"organizations/website-is-email"_s,
        { { u"website"_s, kNull } }, { u"warning: website looks like an email"_s });
    addRow("no website key maps nothing", u"organizations/full"_s, { { u"website"_s, kNull } }, {},
        {}, { { u"websiteKey"_s, u""_s } });
    addRow("blank name skipped", u"organizations/blank-name"_s, kNoRow,
        { u"skipped: missing name"_s });
    addRow(
        "null name skipped", u"organizations/null-name"_s, kNoRow, { u"skipped: missing name"_s });
    addRow(
        "number as name kept as text", u"organizations/name-number"_s, { { u"name"_s, u"42"_s } });
    addRow("deleted reported", u"organizations/deleted"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s });
    addRow("SQL-looking name verbatim, script URL dropped", u"organizations/sql-name"_s,
        { { u"name"_s, u"Robert'); DROP TABLE accounts;--"_s }, { u"website"_s, kNull } },
        { u"warning: unsafe website"_s });
    addRow("unicode name and address", u"organizations/unicode-name"_s,
        { { u"name"_s, u"Café 🚀 Ünïcödé 株式会社"_s }, { u"address"_s, u"Königstraße 7b"_s },
            { u"city"_s, u"München"_s }, { u"state"_s, u"Bayern"_s }, { u"zip"_s, u"80331"_s } });
    addRow("phone list takes the primary, bad email dropped", u"organizations/phone-list-field"_s,
        { { u"phone"_s, u"+49 30 1234"_s }, { u"email"_s, kNull } },
        { u"warning: invalid email"_s }, {}, fieldMap);
    addRow("wrong types everywhere", u"organizations/wrong-types"_s,
        { { u"name"_s, u"Wrong Types Inc"_s }, { u"address"_s, u"17"_s }, { u"website"_s, kNull },
            { u"phone"_s, u"N/A"_s }, { u"created_at"_s, kFallback },
            { u"updated_at"_s, kFallback } },
        { u"warning: invalid time"_s, u"warning: invalid time"_s, u"warning: missing time"_s });
    addRow("no times: fallback", u"organizations/no-times"_s, { { u"created_at"_s, kFallback } },
        { u"warning: missing time"_s });
    addRow("unknown owner: assigned_to NULL", u"organizations/full"_s,
        { { u"assigned_to"_s, kNull } }, {}, { { u"ownerEmail"_s, u"  "_s } });
    const QString longName = QString(5000, u'x') + u"🚀"_s.repeated(2500);
    addRow("10,000-character name kept whole", u"organizations/full"_s, { { u"name"_s, longName } },
        {}, {}, {}, { { u"name"_s, longName } });
    addRow("NUL characters removed", u"organizations/full"_s, { { u"name"_s, u"AcmeCorp"_s } }, {},
        {}, {}, { { u"name"_s, QString(u"Acme\0Corp"_s) } });
}

void TestMapping::mapsOrganizations()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, links);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    OrganizationLinks organizationLinks;
    organizationLinks.ownerEmail = linkText(links, u"ownerEmail"_s, kOwner);
    const Mapped<AccountRow> result = mapOrganization(
        patched(fixture(fixtureName), patch), organizationLinks, optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    verifyRow(result, expected);
}

// ---- Persons ----------------------------------------------------------------------------------

void TestMapping::mapsPersons_data()
{
    addColumns();
    const QVariantMap contact = { { u"hasDeals"_s, true } };
    addRow("person with deals becomes a contact", u"persons/full"_s,
        { { u"_kind"_s, u"contact"_s }, { u"_id"_s, 1 }, { u"first_name"_s, u"Person"_s },
            { u"last_name"_s, u"Name"_s }, { u"email"_s, u"primary@example.com"_s },
            { u"phone"_s, u"12345"_s }, { u"company"_s, u"Acme Corp"_s },
            { u"address"_s, u"Main St 123"_s }, { u"city"_s, u"Sunnyvale"_s },
            { u"state"_s, u"CA"_s }, { u"zip"_s, u"94085"_s },
            { u"created_at"_s, u"2021-01-01 00:00:00.000000"_s },
            { u"updated_at"_s, u"2021-02-03 04:05:06.000000"_s } },
        {}, contact);
    addRow("person without deals but with activities: contacted lead", u"persons/full"_s,
        { { u"_kind"_s, u"lead"_s }, { u"email"_s, u"primary@example.com"_s },
            { u"lead_status"_s, u"contacted"_s }, { u"lead_source"_s, u"pipedrive"_s },
            { u"lead_owner"_s, kOwner }, { u"assigned_to_id"_s, 7 },
            { u"company"_s, u"Acme Corp"_s }, { u"comments"_s, kNull } },
        {}, { { u"hasActivities"_s, true } });
    addRow("person without deals or activities: new lead", u"persons/full"_s,
        { { u"_kind"_s, u"lead"_s }, { u"lead_status"_s, u"new"_s } });
    addRow("invalid primary: first valid in order", u"persons/primary-invalid"_s,
        { { u"_kind"_s, u"contact"_s }, { u"email"_s, u"good@example.org"_s },
            { u"phone"_s, kNull } },
        {}, contact);
    addRow("no valid email skipped (non-ASCII too)", u"persons/no-valid-email"_s, kNoRow,
        { u"skipped: no valid email"_s }, contact);
    addRow("empty email list skipped", u"persons/no-emails"_s, kNoRow,
        { u"skipped: no valid email"_s });
    addRow("null email list skipped", u"persons/emails-null"_s, kNoRow,
        { u"skipped: no valid email"_s });
    addRow("v1 shape: email/phone arrays, nested ids", u"persons/v1-shape"_s,
        { { u"_kind"_s, u"contact"_s }, { u"email"_s, u"v1@example.com"_s },
            { u"phone"_s, u"555-0101"_s }, { u"first_name"_s, u"Vee"_s },
            { u"created_at"_s, u"2020-01-01 10:00:00.000000"_s } },
        {}, contact);
    addRow("names split from name when first/last missing", u"persons/name-only"_s,
        { { u"first_name"_s, u"Ada"_s }, { u"last_name"_s, u"King Lovelace"_s } }, {}, contact);
    addRow("no names at all: placeholders", u"persons/no-names"_s,
        { { u"first_name"_s, u"Unknown"_s }, { u"last_name"_s, u"Unknown"_s } }, {}, contact);
    addRow("configured placeholders", u"persons/no-names"_s,
        { { u"first_name"_s, u"Vorname"_s }, { u"last_name"_s, u"Nachname"_s } }, {}, contact,
        { { u"firstNamePlaceholder"_s, u"Vorname"_s },
            { u"lastNamePlaceholder"_s, u"Nachname"_s } });
    addRow("empty placeholders: skipped", u"persons/no-names"_s, kNoRow,
        { u"skipped: missing name"_s }, contact, { { u"lastNamePlaceholder"_s, u""_s } });
    addRow("missing last name gets the placeholder", u"persons/first-only"_s,
        { { u"first_name"_s, u"Madonna"_s }, { u"last_name"_s, u"Unknown"_s } }, {}, contact);
    addRow("deleted reported", u"persons/deleted"_s, kNoRow, { u"deleted: deleted in Pipedrive"_s },
        contact);
    addRow("v1 inactive reported as deleted", u"persons/v1-inactive"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s });
    addRow("unicode names; empty primary phone: first non-empty", u"persons/unicode"_s,
        { { u"first_name"_s, u"Zoë 😀"_s }, { u"last_name"_s, u"Ñúñez"_s },
            { u"phone"_s, u"+34 600 000 000"_s } },
        {}, contact);
    addRow("odd shapes: number name, string email/phone/address", u"persons/odd-shapes"_s,
        { { u"first_name"_s, u"123"_s }, { u"last_name"_s, u"Unknown"_s },
            { u"email"_s, u"single@string.example"_s }, { u"phone"_s, u"0800 123"_s },
            { u"address"_s, u"Some street 1"_s } },
        {}, contact);
    addRow("email list of strings and junk", u"persons/emails-as-strings"_s,
        { { u"email"_s, u"first@strings.example"_s }, { u"first_name"_s, u"String"_s },
            { u"last_name"_s, u"List"_s } },
        {}, contact);
    addRow("SQL and markup in names kept verbatim", u"persons/sql-and-html"_s,
        { { u"first_name"_s, u"Robert'); DROP TABLE contacts;--"_s },
            { u"last_name"_s, u"<script>alert(1)</script>"_s } },
        {}, contact);
    addRow("lead without owner email skipped", u"persons/full"_s, kNoRow,
        { u"skipped: no lead owner"_s }, { { u"ownerEmail"_s, u""_s } });
    addRow("lead without owner user skipped", u"persons/full"_s, kNoRow,
        { u"skipped: no owner user"_s }, { { u"ownerUserId"_s, QVariant() } });
    addRow("contact needs no owner", u"persons/full"_s, { { u"_kind"_s, u"contact"_s } }, {},
        { { u"hasDeals"_s, true }, { u"ownerEmail"_s, u""_s }, { u"ownerUserId"_s, QVariant() } });
    addRow("no organization: company NULL", u"persons/full"_s, { { u"company"_s, kNull } }, {},
        { { u"hasDeals"_s, true }, { u"organizationName"_s, u"  "_s } });
    const QString longFirst = QString(10000, u'\u00e9');
    addRow("10,000-character first name kept whole", u"persons/full"_s,
        { { u"first_name"_s, longFirst } }, {}, contact, {}, { { u"first_name"_s, longFirst } });
}

void TestMapping::mapsPersons()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, links);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    PersonLinks personLinks;
    personLinks.hasDeals = links.value(u"hasDeals"_s, false).toBool();
    personLinks.hasActivities = links.value(u"hasActivities"_s, false).toBool();
    personLinks.organizationName = linkText(links, u"organizationName"_s, u"Acme Corp"_s);
    personLinks.ownerEmail = linkText(links, u"ownerEmail"_s, kOwner);
    personLinks.ownerUserId = optionalId(links, u"ownerUserId"_s, 7);
    const Mapped<PersonRow> result
        = mapPerson(patched(fixture(fixtureName), patch), personLinks, optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    if (expected.value(u"_none"_s).toBool()) {
        QVERIFY(!result.row);
        return;
    }
    QVERIFY(result.row);
    if (expected.contains(u"_id"_s))
        QCOMPARE(result.pipedriveId.value_or(-1), expected.value(u"_id"_s).toLongLong());
    const bool isContact = std::holds_alternative<ContactRow>(*result.row);
    if (expected.contains(u"_kind"_s))
        QCOMPARE(isContact ? u"contact"_s : u"lead"_s, expected.value(u"_kind"_s).toString());
    QCOMPARE(isContact, personLinks.hasDeals);
    const QVariantMap columns
        = std::visit([](const auto &row) { return toColumns(row); }, *result.row);
    const QStringList mismatches = compareColumns(columns, expected);
    QVERIFY2(mismatches.isEmpty(), qPrintable(mismatches.join(u'\n')));
}

void TestMapping::promotedLeadKeepsItsRowMarkedQualified()
{
    PersonLinks links;
    links.organizationName = u"Acme Corp"_s;
    links.ownerEmail = kOwner;
    links.ownerUserId = 7;
    links.hasActivities = true;
    const QJsonObject person = fixture(u"persons/full"_s);
    const Mapped<PersonRow> asLead = mapPerson(person, links, baseOptions());
    QVERIFY(asLead.row && std::holds_alternative<LeadRow>(*asLead.row));
    const LeadRow lead = std::get<LeadRow>(*asLead.row);

    const LeadRow kept = qualifiedLead(lead);
    QCOMPARE(kept.leadStatus, u"qualified"_s);
    QCOMPARE(kept.email, lead.email);
    QCOMPARE(kept.assignedToId, lead.assignedToId);

    // The person now has a deal: mapping gives a contact equal to the lead's contact part.
    links.hasDeals = true;
    const Mapped<PersonRow> asContact = mapPerson(person, links, baseOptions());
    QVERIFY(asContact.row && std::holds_alternative<ContactRow>(*asContact.row));
    QCOMPARE(toColumns(std::get<ContactRow>(*asContact.row)), toColumns(contactFromLead(lead)));
}

// ---- Deals ------------------------------------------------------------------------------------

void TestMapping::mapsDeals_data()
{
    addColumns();
    const QString base = u"Currency: USD\nPipeline: Sales\nStage: Qualified"_s;
    addRow("open deal: every column", u"deals/open"_s,
        { { u"_id"_s, 1 }, { u"opportunity_name"_s, u"Deal Title"_s },
            { u"account_name"_s, u"Acme Corp"_s }, { u"type"_s, u"new_customer"_s },
            { u"amount"_s, 200 }, { u"stage"_s, u"analysis"_s }, { u"owner"_s, kOwner },
            { u"probability"_s, 90 }, { u"contact_name"_s, u"person@example.com"_s },
            { u"comments"_s, base }, { u"closing_date"_s, u"2021-03-31"_s },
            { u"created_at"_s, u"2021-01-01 00:00:00.000000"_s },
            { u"updated_at"_s, u"2021-01-02 00:00:00.000000"_s } });
    const struct
    {
        const char *row;
        const char16_t *stageName;
        const char16_t *stage;
    } keywordRows[] = {
        { "keyword demo -> presentation", u"Demo Scheduled", u"presentation" },
        { "keyword proposal -> proposal", u"Proposal Made", u"proposal" },
        { "keyword negotiat -> negotiation", u"Negotiations Started", u"negotiation" },
        { "keyword contract -> final_review", u"Contract Sent", u"final_review" },
        { "no keyword -> prospecting", u"Lead In", u"prospecting" },
        { "no stage name -> prospecting", u"", u"prospecting" },
    };
    for (const auto &k : keywordRows)
        addRow(k.row, u"deals/open"_s, { { u"stage"_s, QString::fromUtf16(k.stage) } }, {},
            { { u"stageName"_s, QString::fromUtf16(k.stageName) } });
    addRow("stage map beats keywords", u"deals/open"_s, { { u"stage"_s, u"negotiation"_s } }, {},
        { { u"stageName"_s, u"Lead In"_s } },
        { { u"stageMap"_s, QVariantMap { { u"1"_s, u"negotiation"_s } } } });
    addRow("invalid stage map entry: keywords, warned", u"deals/open"_s,
        { { u"stage"_s, u"analysis"_s } }, { u"warning: invalid stage map entry"_s }, {},
        { { u"stageMap"_s, QVariantMap { { u"1"_s, u"bogus"_s } } } });
    addRow("won -> closed_won, close date from close_time", u"deals/won"_s,
        { { u"stage"_s, u"closed_won"_s }, { u"closing_date"_s, u"2024-03-05"_s },
            { u"probability"_s, kNull }, { u"amount"_s, 1000.5 },
            { u"comments"_s, u"Currency: EUR\nPipeline: Sales\nStage: Qualified"_s } });
    addRow("won ignores the stage map", u"deals/won"_s, { { u"stage"_s, u"closed_won"_s } }, {}, {},
        { { u"stageMap"_s, QVariantMap { { u"4"_s, u"negotiation"_s } } } });
    addRow("no deal probability: the stage's", u"deals/won"_s, { { u"probability"_s, 100 } }, {},
        { { u"stageProbability"_s, 100 } });
    addRow("local close date preferred to the UTC time", u"deals/won-local-date"_s,
        { { u"closing_date"_s, u"2024-03-06"_s } });
    addRow("upper-case WON, date from won_time, no value", u"deals/won-only-won-time"_s,
        { { u"stage"_s, u"closed_won"_s }, { u"closing_date"_s, u"2023-07-08"_s },
            { u"amount"_s, kNull }, { u"comments"_s, u"Pipeline: Sales\nStage: Qualified"_s } });
    addRow("lost -> closed_lost with reason; zero date ignored", u"deals/lost"_s,
        { { u"stage"_s, u"closed_lost"_s }, { u"amount"_s, 0 },
            { u"closing_date"_s, u"2022-02-02"_s },
            { u"comments"_s,
                u"Currency: GBP\nPipeline: Sales\nStage: Qualified\nLost reason: Too expensive"_s } });
    addRow("deleted reported", u"deals/deleted"_s, kNoRow, { u"deleted: deleted in Pipedrive"_s });
    addRow("status deleted alone is enough", u"deals/deleted"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s }, {}, {}, { { u"is_deleted"_s, false } });
    addRow("is_deleted alone is enough", u"deals/open"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s }, {}, {}, { { u"is_deleted"_s, true } });
    addRow("archived included and noted", u"deals/archived"_s,
        { { u"opportunity_name"_s, u"Archived Deal"_s }, { u"probability"_s, 25 },
            { u"comments"_s, base + u"\nArchived: Yes"_s } },
        {}, { { u"stageProbability"_s, 25 } });
    addRow("empty title skipped", u"deals/no-title"_s, kNoRow, { u"skipped: missing title"_s });
    addRow("string value and id, bad probability, unknown status", u"deals/weird-values"_s,
        { { u"amount"_s, 1500.5 }, { u"probability"_s, 40 }, { u"stage"_s, u"final_review"_s },
            { u"closing_date"_s, kNull },
            { u"comments"_s, u"Pipeline: Sales\nStage: Qualified"_s } },
        { u"warning: unknown status"_s, u"warning: invalid probability"_s },
        { { u"stageProbability"_s, 40 } },
        { { u"stageMap"_s, QVariantMap { { u"3"_s, u"final_review"_s } } } });
    addRow("unreadable value and probability out of range", u"deals/bad-value"_s,
        { { u"amount"_s, kNull }, { u"probability"_s, kNull } },
        { u"warning: invalid value"_s, u"warning: invalid probability"_s });
    addRow("missing value NULL, fractional probability rounded", u"deals/no-value"_s,
        { { u"amount"_s, kNull }, { u"probability"_s, 34 } });
    addRow("account from the person's organization", u"deals/open"_s,
        { { u"account_name"_s, u"Person's Org"_s } }, {},
        { { u"organizationName"_s, u""_s }, { u"personOrganizationName"_s, u"Person's Org"_s } });
    addRow("account placeholder", u"deals/open"_s,
        { { u"account_name"_s, u"(no organization)"_s } }, {},
        { { u"organizationName"_s, u" "_s } });
    addRow("configured account placeholder", u"deals/open"_s,
        { { u"account_name"_s, u"Unbekannt"_s } }, {}, { { u"organizationName"_s, u""_s } },
        { { u"accountPlaceholder"_s, u"Unbekannt"_s } });
    addRow("no owner skipped", u"deals/open"_s, kNoRow, { u"skipped: no owner"_s },
        { { u"ownerEmail"_s, u""_s } });
    addRow("no person: contact_name NULL", u"deals/open"_s, { { u"contact_name"_s, kNull } }, {},
        { { u"personEmail"_s, u""_s } });
    addRow("configured opportunity type", u"deals/open"_s,
        { { u"type"_s, u"existing_customer"_s } }, {}, {},
        { { u"opportunityType"_s, u"existing_customer"_s } });
    addRow("custom fields as labelled lines, in field order", u"deals/custom-fields"_s,
        { { u"comments"_s,
            u"Currency: EUR\nPipeline: Sales\nStage: Qualified\nPriority: High\n"
            "Colors: Red, Blue, 99\nBudget: 500 EUR\nNotes: Multi\nline note\n"
            "Kickoff: 2024-05-01\nPeriod: 2024-01-01 - 2024-06-30"_s } });
    addRow("custom fields with option labels included", u"deals/custom-fields-labels"_s,
        { { u"comments"_s,
            u"Pipeline: Sales\nStage: Qualified\nPriority: Low\nColors: Green\n"
            "Internal code: X-42"_s } });
    addRow("v1 custom fields at the root", u"deals/custom-fields-v1"_s,
        { { u"comments"_s,
              u"Pipeline: Sales\nStage: Qualified\nPriority: Medium\nColors: Red, Green\n"
              "Budget: 750 USD"_s },
            { u"created_at"_s, u"2022-01-01 00:00:00.000000"_s } });
    addRow("no field definitions: no custom lines", u"deals/custom-fields"_s,
        { { u"comments"_s, u"Currency: EUR\nPipeline: Sales\nStage: Qualified"_s } }, {}, {},
        { { u"noDealFields"_s, true } });
    addRow("SQL and emoji in title verbatim", u"deals/sql-unicode-title"_s,
        { { u"opportunity_name"_s, u"🚀 Größe'; DELETE FROM opportunities; --"_s } });
    const QString longTitle = QString(10000, u'T');
    addRow("10,000-character title kept whole", u"deals/open"_s,
        { { u"opportunity_name"_s, longTitle } }, {}, {}, {}, { { u"title"_s, longTitle } });
}

void TestMapping::mapsDeals()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, links);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    DealLinks dealLinks;
    dealLinks.organizationName = linkText(links, u"organizationName"_s, u"Acme Corp"_s);
    dealLinks.personEmail = linkText(links, u"personEmail"_s, u"person@example.com"_s);
    dealLinks.personOrganizationName = linkText(links, u"personOrganizationName"_s);
    dealLinks.ownerEmail = linkText(links, u"ownerEmail"_s, kOwner);
    dealLinks.stageName = linkText(links, u"stageName"_s, u"Qualified"_s);
    dealLinks.pipelineName = linkText(links, u"pipelineName"_s, u"Sales"_s);
    if (links.contains(u"stageProbability"_s))
        dealLinks.stageProbability = links.value(u"stageProbability"_s).toDouble();
    const Mapped<OpportunityRow> result
        = mapDeal(patched(fixture(fixtureName), patch), dealLinks, optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    verifyRow(result, expected);
}

// ---- Activities ---------------------------------------------------------------------------------

void TestMapping::mapsActivities_data()
{
    addColumns();
    addRow("subject, plain-text note with link lines, due time, done, priority",
        u"activities/call"_s,
        { { u"_id"_s, 1 }, { u"title"_s, u"Call Bob"_s },
            { u"description"_s,
                u"Discuss pricing & terms\none\ntwo\n\nDeal: Big Deal\nPerson: Bob\n"
                "Organization: Acme\nLocation: 123 Main St"_s },
            { u"due_date"_s, u"2024-05-01 15:30:00.000000"_s }, { u"completed"_s, true },
            { u"priority"_s, u"high"_s }, { u"assignee_id"_s, 7 },
            { u"created_at"_s, u"2024-04-01 08:00:00.000000"_s },
            { u"updated_at"_s, u"2024-04-02 09:00:00.000000"_s } },
        {},
        { { u"dealTitle"_s, u"Big Deal"_s }, { u"personName"_s, u"Bob"_s },
            { u"organizationName"_s, u"Acme"_s } });
    addRow("no subject: type name; HH:MM:SS due time", u"activities/no-subject"_s,
        { { u"title"_s, u"Meeting"_s }, { u"description"_s, kNull },
            { u"due_date"_s, u"2024-05-02 09:15:30.000000"_s }, { u"completed"_s, false },
            { u"priority"_s, u"medium"_s } },
        {}, { { u"activityTypeName"_s, u"Meeting"_s } });
    addRow("no subject, no type name: type key", u"activities/no-subject"_s,
        { { u"title"_s, u"meeting"_s } });
    addRow("nothing but an id: defaults", u"activities/nothing-but-id"_s,
        { { u"title"_s, u"Activity"_s }, { u"description"_s, kNull }, { u"due_date"_s, kNull },
            { u"completed"_s, false }, { u"priority"_s, u"medium"_s },
            { u"created_at"_s, kFallback } },
        { u"warning: missing time"_s });
    addRow("v1 shape: 0 for done, empty due time is midnight, label priority",
        u"activities/v1-shape"_s,
        { { u"title"_s, u"Lunch"_s },
            { u"description"_s, u"Bring the contract\n\nLocation: Café Central, Vienna"_s },
            { u"due_date"_s, u"2024-05-03 00:00:00.000000"_s }, { u"completed"_s, false },
            { u"priority"_s, u"low"_s }, { u"created_at"_s, u"2024-04-01 08:00:00.000000"_s } });
    addRow("bad due time: midnight, warned; unknown priority id: medium", u"activities/bad-due"_s,
        { { u"due_date"_s, u"2024-05-04 00:00:00.000000"_s }, { u"priority"_s, u"medium"_s },
            { u"completed"_s, false } },
        { u"warning: invalid due time"_s });
    addRow("zero due date: NULL, quietly", u"activities/zero-due"_s, { { u"due_date"_s, kNull } });
    addRow("unreadable due date: NULL, warned; labelled priority", u"activities/invalid-due-date"_s,
        { { u"due_date"_s, kNull }, { u"priority"_s, u"high"_s } },
        { u"warning: invalid due date"_s });
    addRow("deleted reported", u"activities/deleted"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s });
    addRow("markup-only note: no description; priority id -> low", u"activities/html-only-note"_s,
        { { u"description"_s, kNull }, { u"priority"_s, u"low"_s } });
    addRow("no assignee skipped", u"activities/call"_s, kNoRow, { u"skipped: no assignee"_s },
        { { u"assigneeUserId"_s, QVariant() } });
    const QString longSubject = QString(10000, u's');
    addRow("10,000-character subject kept whole", u"activities/call"_s,
        { { u"title"_s, longSubject } }, {}, {}, {}, { { u"subject"_s, longSubject } });
    addRow("10,000-character note", u"activities/call"_s,
        { { u"description"_s, QString(10000, u'n') + u"\n\nLocation: 123 Main St"_s } }, {}, {}, {},
        { { u"note"_s, u"<p>"_s + QString(10000, u'n') + u"</p>"_s } });
}

void TestMapping::mapsActivities()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, links);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    ActivityLinks activityLinks;
    activityLinks.assigneeUserId = optionalId(links, u"assigneeUserId"_s, 7);
    activityLinks.activityTypeName = linkText(links, u"activityTypeName"_s);
    activityLinks.dealTitle = linkText(links, u"dealTitle"_s);
    activityLinks.personName = linkText(links, u"personName"_s);
    activityLinks.organizationName = linkText(links, u"organizationName"_s);
    const Mapped<TaskRow> result
        = mapActivity(patched(fixture(fixtureName), patch), activityLinks, optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    verifyRow(result, expected);
}

// A due time is H:MM or HH:MM, seconds optional, in ASCII digits and in range; anything else is
// warned about and the due date kept at midnight.
void TestMapping::readsDueTimes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("due"); // "": not read
    QTest::newRow("H:MM") << u"9:05"_s << u"2024-05-04 09:05:00.000000"_s;
    QTest::newRow("HH:MM") << u"09:05"_s << u"2024-05-04 09:05:00.000000"_s;
    QTest::newRow("HH:MM:SS") << u"23:59:59"_s << u"2024-05-04 23:59:59.000000"_s;
    QTest::newRow("H:MM:SS") << u"7:00:30"_s << u"2024-05-04 07:00:30.000000"_s;
    QTest::newRow("midnight") << u"0:00"_s << u"2024-05-04 00:00:00.000000"_s;
    QTest::newRow("spaces around") << u" 7:45 "_s << u"2024-05-04 07:45:00.000000"_s;
    QTest::newRow("hour 24") << u"24:00"_s << QString();
    QTest::newRow("minute 60") << u"12:60"_s << QString();
    QTest::newRow("second 60") << u"12:00:60"_s << QString();
    QTest::newRow("one-digit minute") << u"9:5"_s << QString();
    QTest::newRow("three-digit hour") << u"123:00"_s << QString();
    QTest::newRow("no hour") << u":30"_s << QString();
    QTest::newRow("hour only") << u"12"_s << QString();
    QTest::newRow("trailing colon") << u"12:30:"_s << QString();
    QTest::newRow("one-digit second") << u"12:30:5"_s << QString();
    QTest::newRow("three-digit second") << u"12:30:456"_s << QString();
    QTest::newRow("fourth part") << u"12:30:45:00"_s << QString();
    QTest::newRow("letter") << u"12:3a"_s << QString();
    QTest::newRow("dot") << u"12.30"_s << QString();
    QTest::newRow("fullwidth digits") << u"\uFF11\uFF12:30"_s << QString();
    QTest::newRow("Arabic-Indic digits") << u"\u0661\u0662:30"_s << QString();
    QTest::newRow("sign") << u"+9:30"_s << QString();
}

void TestMapping::readsDueTimes()
{
    QFETCH(QString, text);
    QFETCH(QString, due);
    ActivityLinks links;
    links.assigneeUserId = 7;
    const Mapped<TaskRow> result = mapActivity(
        patched(fixture(u"activities/bad-due"_s), { { u"due_time"_s, text } }), links, {});
    QVERIFY(result.row && result.row->dueDate);
    QCOMPARE(
        formatCrmTime(*result.row->dueDate), due.isEmpty() ? u"2024-05-04 00:00:00.000000"_s : due);
    QCOMPARE(problemLines(result.problems).contains(u"warning: invalid due time"_s), due.isEmpty());
}

// ---- Notes ------------------------------------------------------------------------------------

void TestMapping::mapsNotes_data()
{
    addColumns();
    addRow("HTML to text, author, targets, v1 times", u"notes/html"_s,
        { { u"_id"_s, 1 },
            { u"_targets"_s, u"deal=1 person=2 org=3 lead=adf21080-0e10-11eb-879b-05d71fb426ec"_s },
            { u"content"_s, u"Hello World\nLine & two 'quoted' < ok> \u20AC5\n\nAfter blank"_s },
            { u"user_id"_s, 7 }, { u"created_at"_s, u"2019-12-09 13:59:21.000000"_s },
            { u"updated_at"_s, u"2019-12-09 14:26:11.000000"_s } });
    addRow(
        "markup without text skipped", u"notes/empty-html"_s, kNoRow, { u"skipped: empty note"_s });
    addRow("null content skipped", u"notes/null-content"_s, kNoRow, { u"skipped: empty note"_s });
    addRow("lead-only note: row, no CRM targets", u"notes/lead-only"_s,
        { { u"content"_s, u"Lead note"_s },
            { u"_targets"_s, u"lead=adf21080-0e10-11eb-879b-05d71fb426ec"_s },
            { u"_targetsEmpty"_s, true } });
    addRow("inactive note reported deleted", u"notes/inactive"_s, kNoRow,
        { u"deleted: deleted in Pipedrive"_s });
    addRow("escaped markup cannot become a tag", u"notes/escaped-script"_s,
        { { u"content"_s, u"< script>alert(1)< /script> and < img src=x onerror=alert(2)>"_s } });
    addRow("plain text keeps its lines, blank runs collapsed", u"notes/plain-text"_s,
        { { u"content"_s, u"Line 1\nLine 2\n\nLine 3"_s }, { u"_targets"_s, u"org=3"_s } });
    addRow("SQL-looking text verbatim, no author", u"notes/sql"_s,
        { { u"content"_s, u"'; DROP TABLE notes; --"_s }, { u"user_id"_s, kNull } }, {},
        { { u"authorUserId"_s, QVariant() } });
    addRow("comments, handlers, script, iframe, style, cut-off tag dropped", u"notes/nasty-html"_s,
        { { u"content"_s, u"Safe link\nTail"_s } });
    addRow("string ids, zero and junk ids absent", u"notes/ids-as-strings"_s,
        { { u"_id"_s, 10 }, { u"_targets"_s, u"deal=11"_s }, { u"content"_s, u"String ids"_s },
            { u"created_at"_s, u"2019-12-09 13:59:21.000000"_s },
            { u"updated_at"_s, u"2019-12-09 13:59:21.000000"_s } });
    const QString longText = u"\U0001F600"_s.repeated(5000);
    addRow("10,000 UTF-16 units of emoji", u"notes/sql"_s, { { u"content"_s, longText } }, {}, {},
        {}, { { u"content"_s, u"<div>"_s + longText + u"</div>"_s } });
}

void TestMapping::mapsNotes()
{
    QFETCH(QString, fixtureName);
    QFETCH(QJsonObject, patch);
    QFETCH(QVariantMap, links);
    QFETCH(QVariantMap, options);
    QFETCH(QVariantMap, expected);
    QFETCH(QStringList, problems);
    NoteLinks noteLinks;
    noteLinks.authorUserId = optionalId(links, u"authorUserId"_s, 7);
    const Mapped<NoteRow> result
        = mapNote(patched(fixture(fixtureName), patch), noteLinks, optionsFrom(options));
    QCOMPARE(problemLines(result.problems), problems);
    verifyRow(result, expected);
    if (QTest::currentTestFailed() || !result.row)
        return;
    if (expected.contains(u"_targets"_s))
        QCOMPARE(targetsText(result.row->targets), expected.value(u"_targets"_s).toString());
    QCOMPARE(result.row->targets.isEmpty(), expected.value(u"_targetsEmpty"_s, false).toBool());
}

// ---- Helpers the engine uses ------------------------------------------------------------------

void TestMapping::readsRecordRefsOfV1AndV2Shapes()
{
    const RecordRefs v1 = recordRefs(fixture(u"persons/v1-shape"_s));
    QCOMPARE(v1.id, std::optional<qint64>(6));
    QCOMPARE(v1.ownerId, std::optional<qint64>(1));
    QCOMPARE(v1.orgId, std::optional<qint64>(5));

    const RecordRefs activity = recordRefs(fixture(u"activities/call"_s));
    QCOMPARE(activity.dealId, std::optional<qint64>(5));
    QCOMPARE(activity.personId, std::optional<qint64>(6));
    QCOMPARE(activity.orgId, std::optional<qint64>(7));
    QCOMPARE(activity.activityType, std::optional<QString>(u"call"_s));
    QVERIFY(!activity.leadId);

    const RecordRefs deal = recordRefs(fixture(u"deals/weird-values"_s));
    QCOMPARE(deal.stageId, std::optional<qint64>(3)); // "3" as a string
    QVERIFY(!deal.pipelineId);

    const RecordRefs note = recordRefs(fixture(u"notes/ids-as-strings"_s));
    QCOMPARE(note.userId, std::optional<qint64>(1));
    QVERIFY(!note.personId); // 0
    QVERIFY(!note.orgId); // "abc"

    QVERIFY(!readId(QJsonValue(1.5)));
    QVERIFY(!readId(QJsonValue(-3)));
    QVERIFY(!readId(QJsonValue(true)));
    QVERIFY(!readId(QJsonValue(1e300)));
    QCOMPARE(readId(QJsonValue(QJsonObject { { u"id"_s, 9 } })), std::optional<qint64>(9));
}

void TestMapping::readsCustomFieldDefinitions()
{
    const MappingOptions options = baseOptions();
    // Six v2 custom fields plus one v1 item; built-ins, junk and key-less items left out.
    QCOMPARE(options.dealFields.size(), 7);
    QVERIFY(!options.dealFields.contains(u"title"_s));
    QVERIFY(!options.dealFields.contains(u"value"_s));
    const CustomFieldDef priority
        = options.dealFields.value(u"d625c15a8a4db62a18b390c3c79cdd179b62ba82"_s);
    QCOMPARE(priority.name, u"Priority"_s);
    QCOMPARE(priority.type, u"enum"_s);
    QCOMPARE(priority.options.value(u"3"_s), u"High"_s);
    QCOMPARE(priority.order, 0);
    const CustomFieldDef v1
        = options.dealFields.value(u"da8ade7e0d9e1b6cb1f9ab922fc2d8cb4526364c"_s);
    QCOMPARE(v1.name, u"Internal code"_s);
    QCOMPARE(v1.order, 6);
    QCOMPARE(options.activityPriorities.value(263), u"High"_s);
    QCOMPARE(options.activityPriorities.size(), 3);
}

void TestMapping::rendersCustomFieldValues_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");
    QTest::newRow("enum id") << QJsonValue(2) << u"enum"_s << u"Two"_s;
    QTest::newRow("enum id as string") << QJsonValue(u"2"_s) << u"enum"_s << u"Two"_s;
    QTest::newRow("enum unknown id") << QJsonValue(5) << u"enum"_s << u"5"_s;
    QTest::newRow("enum with label")
        << QJsonValue(QJsonObject { { u"id"_s, 1 }, { u"label"_s, u"Eins"_s } }) << u"enum"_s
        << u"Eins"_s;
    QTest::newRow("set ids") << QJsonValue(QJsonArray { 1, 2 }) << u"set"_s << u"One, Two"_s;
    QTest::newRow("set v1 string") << QJsonValue(u"2, 1"_s) << u"set"_s << u"Two, One"_s;
    QTest::newRow("set single id") << QJsonValue(1) << u"set"_s << u"One"_s;
    QTest::newRow("monetary") << QJsonValue(
        QJsonObject { { u"value"_s, 99.5 }, { u"currency"_s, u"CHF"_s } })
                              << u"monetary"_s << u"99.5 CHF"_s;
    QTest::newRow("monetary number") << QJsonValue(1e6) << u"monetary"_s << u"1000000"_s;
    QTest::newRow("time with zone") << QJsonValue(
        QJsonObject { { u"value"_s, u"10:00:00"_s }, { u"timezone_name"_s, u"Europe/Berlin"_s } })
                                    << u"time"_s << u"10:00:00 Europe/Berlin"_s;
    QTest::newRow("timerange") << QJsonValue(
        QJsonObject { { u"value"_s, u"10:00"_s }, { u"until"_s, u"11:00"_s } })
                               << u"timerange"_s << u"10:00 - 11:00"_s;
    QTest::newRow("address") << QJsonValue(
        QJsonObject { { u"value"_s, u"Main St 1"_s }, { u"locality"_s, u"X"_s } })
                             << u"address"_s << u"Main St 1"_s;
    QTest::newRow("boolean") << QJsonValue(true) << u"boolean"_s << u"Yes"_s;
    QTest::newRow("double") << QJsonValue(0.1) << u"double"_s << u"0.1"_s;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << u"varchar"_s << QString();
    QTest::newRow("empty string") << QJsonValue(u"  "_s) << u"varchar"_s << QString();
    QTest::newRow("user id, not resolved") << QJsonValue(12) << u"user"_s << u"user 12"_s;
    QTest::newRow("odd object") << QJsonValue(QJsonObject { { u"x"_s, 1 } }) << u"varchar"_s
                                << QString();
}

void TestMapping::rendersCustomFieldValues()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, type);
    QFETCH(QString, text);
    CustomFieldDef def;
    def.key = u"k"_s;
    def.type = type;
    def.options = { { u"1"_s, u"One"_s }, { u"2"_s, u"Two"_s } };
    QCOMPARE(customFieldText(value, def), text);
}

void TestMapping::mapsOfficialApiExamples()
{
    const QJsonObject org = officialExample(u"v2.json"_s, u"/organizations"_s);
    QVERIFY2(!org.isEmpty(), "v2 organizations example not found");
    const auto account = mapOrganization(org, { kOwner, {} }, baseOptions());
    QVERIFY(account.row);
    QCOMPARE(account.row->name, u"Organization Name"_s);
    QCOMPARE(account.row->address, std::optional<QString>(u"Main St 123"_s));
    QCOMPARE(account.row->city, std::optional<QString>(u"Sunnyvale"_s));
    QCOMPARE(account.row->website, std::optional<QString>(u"https://www.company.com"_s));

    const QJsonObject person = officialExample(u"v2.json"_s, u"/persons"_s);
    PersonLinks personLinks;
    personLinks.hasDeals = true;
    const auto contact = mapPerson(person, personLinks, baseOptions());
    QVERIFY(contact.row);
    QCOMPARE(std::get<ContactRow>(*contact.row).email, u"email1@email.com"_s);
    QCOMPARE(std::get<ContactRow>(*contact.row).phone, std::optional<QString>(u"12345"_s));

    const QJsonObject deal = officialExample(u"v2.json"_s, u"/deals"_s);
    DealLinks dealLinks;
    dealLinks.ownerEmail = kOwner;
    const auto opportunity = mapDeal(deal, dealLinks, baseOptions());
    QVERIFY(opportunity.row);
    QCOMPARE(opportunity.row->opportunityName, u"Deal Title"_s);
    QCOMPARE(opportunity.row->amount, std::optional<double>(200));
    QCOMPARE(opportunity.row->probability, std::optional<int>(90));
    QCOMPARE(opportunity.row->closingDate, std::optional<QDate>(QDate(2021, 1, 1)));

    const QJsonObject activity = officialExample(u"v2.json"_s, u"/activities"_s);
    ActivityLinks activityLinks;
    activityLinks.assigneeUserId = 1;
    const auto task = mapActivity(activity, activityLinks, baseOptions());
    QVERIFY(task.row);
    QCOMPARE(task.row->title, u"Activity Subject"_s);
    QCOMPARE(
        formatCrmTime(task.row->dueDate.value_or(QDateTime())), u"2021-01-01 15:00:00.000000"_s);
    QCOMPARE(task.row->completed, true);
    QCOMPARE(task.row->priority, u"high"_s); // 263 = High in the fixture's activityFields

    const QJsonObject user = officialExample(u"v1.json"_s, u"/users"_s);
    const auto crmUser = mapUser(user);
    QVERIFY(crmUser.row);
    QCOMPARE(crmUser.row->email, u"john@pipedrive.com"_s);
    QCOMPARE(crmUser.row->approved, true);

    const QJsonObject note = officialExample(u"v1.json"_s, u"/notes"_s);
    const auto crmNote = mapNote(note, {}, baseOptions());
    QVERIFY(crmNote.row);
    QCOMPARE(crmNote.row->content, u"abc"_s);
    QCOMPARE(crmNote.row->targets.dealId, std::optional<qint64>(1));

    for (const QList<Problem> &problems : { account.problems, contact.problems,
             opportunity.problems, task.problems, crmUser.problems, crmNote.problems })
        QCOMPARE(problemLines(problems), QStringList());
}

// ---- Custom fields and the field map ------------------------------------------------------------

namespace {

const QString kExtraKey = u"0123456789abcdef0123456789abcdef01234567"_s;

CustomFieldDef extraField(const QString &type)
{
    CustomFieldDef def;
    def.key = kExtraKey;
    def.name = u"Extra"_s;
    def.type = type;
    def.options = { { u"1"_s, u"Bronze"_s }, { u"2"_s, u"Silver"_s }, { u"3"_s, u"Gold"_s } };
    return def;
}

QJsonObject withCustomFields(QJsonObject record, const QJsonObject &fields)
{
    record.insert(u"custom_fields"_s, fields);
    return record;
}

// The text of an unmapped custom field, as its comment line in a deal shows it.
QString dealFieldLine(const CustomFieldDef &def, const QJsonValue &value)
{
    MappingOptions options = baseOptions();
    options.dealFields = { { def.key, def } };
    DealLinks links;
    links.ownerEmail = kOwner;
    const auto opportunity = mapDeal(
        withCustomFields(fixture(u"deals/open"_s), { { def.key, value } }), links, options);
    const QString comments
        = opportunity.row ? opportunity.row->comments.value_or(QString()) : u""_s;
    return comments.section(u'\n', -1);
}

} // namespace

void TestMapping::readsOptionIdsSentAsNumbersAsTheirText()
{
    // An option id sent as a number reads as the number's text ("7"), never as another id of
    // the same value ("07", "7.0"); a number no id has reads as itself.
    CustomFieldDef def = extraField(u"enum"_s);
    def.options
        = { { u"7"_s, u"Seven"_s }, { u"07"_s, u"Zero-seven"_s }, { u"7.0"_s, u"Seven-oh"_s },
              { u"-3"_s, u"Minus three"_s }, { u"12345678901"_s, u"Large"_s } };
    QCOMPARE(dealFieldLine(def, 7), u"Extra: Seven"_s);
    QCOMPARE(dealFieldLine(def, u"07"_s), u"Extra: Zero-seven"_s);
    QCOMPARE(dealFieldLine(def, u"7.0"_s), u"Extra: Seven-oh"_s);
    QCOMPARE(dealFieldLine(def, -3), u"Extra: Minus three"_s);
    QCOMPARE(dealFieldLine(def, 12345678901.0), u"Extra: Large"_s);
    QCOMPARE(dealFieldLine(def, 8), u"Extra: 8"_s);
    QCOMPARE(dealFieldLine(def, 7.5), u"Extra: 7.5"_s);
    def.type = u"set"_s;
    QCOMPARE(dealFieldLine(def, QJsonArray { 7, -3, 8 }), u"Extra: Seven, Minus three, 8"_s);
    // Without a "7", the number 7 is no id: "07" is another one.
    def.type = u"enum"_s;
    def.options = { { u"07"_s, u"Zero-seven"_s }, { u"+8"_s, u"Plus eight"_s } };
    QCOMPARE(dealFieldLine(def, 7), u"Extra: 7"_s);
    QCOMPARE(dealFieldLine(def, 8), u"Extra: 8"_s);
}

void TestMapping::mapsCustomFieldsOfEveryType_data()
{
    // v2 shapes (API-NOTES §6): custom_fields values as Pipedrive sends them.
    QTest::addColumn<QString>("type");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("linkedName"); // what the engine resolved a link field to
    QTest::addColumn<QString>("text"); // "" = no line, NULL column
    const QJsonObject address { { u"value"_s, u"Königstraße 7b, 80331 München, Germany"_s },
        { u"route"_s, u"Königstraße"_s }, { u"street_number"_s, u"7b"_s },
        { u"locality"_s, u"München"_s }, { u"admin_area_level_1"_s, u"Bayern"_s },
        { u"postal_code"_s, u"80331"_s }, { u"country"_s, u"Germany"_s } };
    const struct
    {
        const char *row;
        const char16_t *type;
        QJsonValue value;
        const char16_t *linkedName;
        const char16_t *text;
    } rows[] = {
        { "text (varchar) trimmed", u"varchar", u"  Plain text  "_s, u"", u"Plain text" },
        { "long text keeps its lines", u"text", u"Line one\nLine two"_s, u"",
            u"Line one\nLine two" },
        { "autocomplete text", u"varchar_auto", u"Auto"_s, u"", u"Auto" },
        { "number", u"double", 12.5, u"", u"12.5" },
        { "integer", u"int", 42, u"", u"42" },
        { "boolean", u"boolean", true, u"", u"Yes" },
        { "phone", u"phone", u"+49 30 1234"_s, u"", u"+49 30 1234" },
        { "single option id as its label", u"enum", 2, u"", u"Silver" },
        { "single option id sent as text", u"enum", u"2"_s, u"", u"Silver" },
        { "unknown option id as its number", u"enum", 9, u"", u"9" },
        { "option id that is no integer as its number", u"enum", 2.5, u"", u"2.5" },
        { "single option with include_option_labels", u"enum",
            QJsonObject { { u"id"_s, 3 }, { u"label"_s, u"Gold"_s } }, u"", u"Gold" },
        { "multiple options as labels", u"set", QJsonArray { 1, 3 }, u"", u"Bronze, Gold" },
        { "multiple options with labels", u"set",
            QJsonArray { QJsonObject { { u"id"_s, 1 }, { u"label"_s, u"Bronze"_s } },
                QJsonObject { { u"id"_s, 2 }, { u"label"_s, u"Silver"_s } } },
            u"", u"Bronze, Silver" },
        { "no options chosen", u"set", QJsonArray {}, u"", u"" },
        { "monetary with currency", u"monetary",
            QJsonObject { { u"value"_s, 1500 }, { u"currency"_s, u"EUR"_s } }, u"", u"1500 EUR" },
        { "date", u"date", u"2024-05-01"_s, u"", u"2024-05-01" },
        { "date range", u"daterange",
            QJsonObject { { u"value"_s, u"2024-01-01"_s }, { u"until"_s, u"2024-06-30"_s } }, u"",
            u"2024-01-01 - 2024-06-30" },
        { "time with zone", u"time",
            QJsonObject { { u"value"_s, u"09:30:00"_s }, { u"timezone_id"_s, 5 },
                { u"timezone_name"_s, u"Europe/Berlin"_s } },
            u"", u"09:30:00 Europe/Berlin" },
        { "time range", u"timerange",
            QJsonObject { { u"value"_s, u"09:00:00"_s }, { u"until"_s, u"17:00:00"_s },
                { u"timezone_name"_s, u"Europe/Berlin"_s } },
            u"", u"09:00:00 - 17:00:00" },
        { "address as its full text", u"address", address, u"",
            u"Königstraße 7b, 80331 München, Germany" },
        { "user by name", u"user", 7, u"Jane Owner", u"Jane Owner" },
        { "user not resolved", u"user", 7, u"", u"user 7" },
        { "person by name", u"people", 12, u"Ada Lovelace", u"Ada Lovelace" },
        { "person not resolved", u"people", 12, u"", u"person 12" },
        { "organization by name", u"org", 5, u"Acme Corp", u"Acme Corp" },
        { "organization not resolved", u"org", 5, u"", u"organization 5" },
        { "deal by title", u"deal", 3, u"Big deal", u"Big deal" },
        { "unset", u"varchar", QJsonValue::Null, u"", u"" },
        // Types are told apart whatever their case.
        { "option type in capitals", u"ENUM", 2, u"", u"Silver" },
        { "person type capitalised", u"People", 12, u"", u"person 12" },
        { "organization type capitalised", u"Org", 5, u"", u"organization 5" },
        { "monetary type in capitals", u"MONETARY",
            QJsonObject { { u"value"_s, 1500 }, { u"currency"_s, u"EUR"_s } }, u"", u"1500 EUR" },
    };
    for (const auto &r : rows)
        QTest::newRow(r.row) << QString::fromUtf16(r.type) << r.value
                             << QString::fromUtf16(r.linkedName) << QString::fromUtf16(r.text);
}

void TestMapping::mapsCustomFieldsOfEveryType()
{
    QFETCH(QString, type);
    QFETCH(QJsonValue, value);
    QFETCH(QString, linkedName);
    QFETCH(QString, text);
    const CustomFieldDef def = extraField(type);
    const QHash<QString, CustomFieldDef> defs { { kExtraKey, def } };
    FieldLinkNames names;
    if (!linkedName.isEmpty())
        names.insert(kExtraKey, linkedName);
    const QString line = text.isEmpty() ? QString() : u"Extra: "_s + text;
    const QJsonObject custom { { kExtraKey, value } };
    MappingOptions options = baseOptions();

    // Deals: unmapped, a "Name: value" line at the end of the opportunity's comments.
    options.dealFields = defs;
    DealLinks dealLinks;
    dealLinks.ownerEmail = kOwner;
    dealLinks.fieldLinkNames = names;
    const auto opportunity
        = mapDeal(withCustomFields(fixture(u"deals/open"_s), custom), dealLinks, options);
    QVERIFY(opportunity.row);
    const QString comments = opportunity.row->comments.value_or(QString());
    if (line.isEmpty())
        QVERIFY2(!comments.contains(u"Extra"_s), qPrintable(comments));
    else
        QVERIFY2(comments.endsWith(u'\n' + line), qPrintable(comments));

    // Persons: unmapped, the lead's comments.
    options.personFields = defs;
    PersonLinks personLinks;
    personLinks.ownerEmail = kOwner;
    personLinks.ownerUserId = 7;
    personLinks.fieldLinkNames = names;
    const QJsonObject person = withCustomFields(fixture(u"persons/full"_s), custom);
    const auto asLead = mapPerson(person, personLinks, options);
    QVERIFY(asLead.row);
    QCOMPARE(std::get<LeadRow>(*asLead.row).comments.value_or(QString()), line);
    QVERIFY(!std::get<LeadRow>(*asLead.row).interestedIn);

    // Mapped onto leads.interested_in: the value goes there, and out of the comments.
    options.fieldMap.insert(u"leads.interested_in"_s, kExtraKey);
    const auto mapped = mapPerson(person, personLinks, options);
    QVERIFY(mapped.row);
    QCOMPARE(std::get<LeadRow>(*mapped.row).interestedIn.value_or(QString()), text);
    QVERIFY(!std::get<LeadRow>(*mapped.row).comments);
    const FieldTarget *interest = findFieldTarget(u"leads.interested_in");
    QVERIFY(interest);
    QCOMPARE(fieldTargetText(person, *interest, kExtraKey, defs, names), text);

    // Organizations: mapped onto accounts.phone; the placeholder when unset.
    options.organizationFields = defs;
    options.fieldMap.insert(u"accounts.phone"_s, kExtraKey);
    OrganizationLinks organizationLinks;
    organizationLinks.ownerEmail = kOwner;
    organizationLinks.fieldLinkNames = names;
    const auto account = mapOrganization(
        withCustomFields(fixture(u"organizations/full"_s), custom), organizationLinks, options);
    QVERIFY(account.row);
    QCOMPARE(account.row->phone, text.isEmpty() ? u"N/A"_s : text);
}

void TestMapping::mapsAddressPartsFromAnyField_data()
{
    QTest::addColumn<QString>("column");
    QTest::addColumn<QString>("fieldKey"); // "-" = leave the target unmapped (its default)
    QTest::addColumn<QString>("text"); // "" = NULL
    const QString addressKey = u"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"_s;
    const QString cityKey = u"eeeeeeeeeeffffffffff00000000001111111111"_s;
    QTest::newRow("default: postal_address street") << u"address"_s << u"-"_s << u"Main St 123"_s;
    QTest::newRow("default: postal_address city") << u"city"_s << u"-"_s << u"Sunnyvale"_s;
    QTest::newRow("custom address: street") << u"address"_s << addressKey << u"Königstraße 7b"_s;
    QTest::newRow("custom address: city") << u"city"_s << addressKey << u"München"_s;
    QTest::newRow("custom address: state") << u"state"_s << addressKey << u"Bayern"_s;
    QTest::newRow("custom address: zip") << u"zip"_s << addressKey << u"80331"_s;
    QTest::newRow("text field as city") << u"city"_s << cityKey << u"Springfield"_s;
    QTest::newRow("text field as street") << u"address"_s << cityKey << u"Springfield"_s;
    QTest::newRow("mapped to nothing") << u"city"_s << QString() << QString();
}

void TestMapping::mapsAddressPartsFromAnyField()
{
    QFETCH(QString, column);
    QFETCH(QString, fieldKey);
    QFETCH(QString, text);
    const QString addressKey = u"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"_s;
    const QString cityKey = u"eeeeeeeeeeffffffffff00000000001111111111"_s;
    MappingOptions options = baseOptions();
    CustomFieldDef address;
    address.key = addressKey;
    address.name = u"Billing address"_s;
    address.type = u"address"_s;
    CustomFieldDef city;
    city.key = cityKey;
    city.name = u"Home town"_s;
    city.type = u"varchar"_s;
    city.order = 1;
    options.personFields = { { addressKey, address }, { cityKey, city } };
    if (fieldKey != u"-")
        options.fieldMap.insert(u"persons."_s + column, fieldKey);
    const QJsonObject person = withCustomFields(fixture(u"persons/full"_s),
        { { addressKey,
              QJsonObject { { u"value"_s, u"Königstraße 7b, 80331 München"_s },
                  { u"route"_s, u"Königstraße"_s }, { u"street_number"_s, u"7b"_s },
                  { u"locality"_s, u"München"_s }, { u"admin_area_level_1"_s, u"Bayern"_s },
                  { u"postal_code"_s, u"80331"_s } } },
            { cityKey, u"Springfield"_s } });
    PersonLinks links;
    links.hasDeals = true;
    const auto result = mapPerson(person, links, options);
    QVERIFY(result.row);
    const QVariantMap columns = toColumns(std::get<ContactRow>(*result.row));
    QCOMPARE(columns.value(column).toString(), text);
    QCOMPARE(columns.value(column).isNull(), text.isEmpty());
}

void TestMapping::readsV1AddressPartsFromTheirSiblingKeys()
{
    // v1 answers put an address's parts beside it as <key>_<part> (API-NOTES §6).
    QJsonObject person = fixture(u"persons/full"_s);
    person.insert(u"postal_address"_s, u"Königstraße 7b, 80331 München"_s);
    person.insert(u"postal_address_route"_s, u"Königstraße"_s);
    person.insert(u"postal_address_street_number"_s, u"7b"_s);
    person.insert(u"postal_address_locality"_s, u"München"_s);
    person.insert(u"postal_address_admin_area_level_1"_s, u"Bayern"_s);
    person.insert(u"postal_address_postal_code"_s, u"80331"_s);
    PersonLinks links;
    links.hasDeals = true;
    auto result = mapPerson(person, links, MappingOptions());
    QVERIFY(result.row);
    QVariantMap columns = toColumns(std::get<ContactRow>(*result.row));
    QCOMPARE(columns.value(u"address"_s).toString(), u"Königstraße 7b"_s);
    QCOMPARE(columns.value(u"city"_s).toString(), u"München"_s);
    QCOMPARE(columns.value(u"state"_s).toString(), u"Bayern"_s);
    QCOMPARE(columns.value(u"zip"_s).toString(), u"80331"_s);
    // Without its street parts the street is the whole address; a part missing stays NULL.
    person.remove(u"postal_address_route"_s);
    person.remove(u"postal_address_street_number"_s);
    person.remove(u"postal_address_admin_area_level_1"_s);
    result = mapPerson(person, links, MappingOptions());
    QVERIFY(result.row);
    columns = toColumns(std::get<ContactRow>(*result.row));
    QCOMPARE(columns.value(u"address"_s).toString(), u"Königstraße 7b, 80331 München"_s);
    QCOMPARE(columns.value(u"city"_s).toString(), u"München"_s);
    QVERIFY(columns.value(u"state"_s).isNull());
}

void TestMapping::mapsOpportunityTypeFromAField_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("defaultType");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QStringList>("problems");
    QTest::newRow("New business") << QJsonValue(1) << u"new_customer"_s << u"new_customer"_s
                                  << QStringList();
    QTest::newRow("Existing customer")
        << QJsonValue(2) << u"new_customer"_s << u"existing_customer"_s << QStringList();
    QTest::newRow("neither: the default, warned")
        << QJsonValue(3) << u"existing_customer"_s << u"existing_customer"_s
        << QStringList { u"warning: unknown opportunity type"_s };
    QTest::newRow("unset: the default, quietly")
        << QJsonValue(QJsonValue::Null) << u"existing_customer"_s << u"existing_customer"_s
        << QStringList();
}

void TestMapping::mapsOpportunityTypeFromAField()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, defaultType);
    QFETCH(QString, type);
    QFETCH(QStringList, problems);
    MappingOptions options = baseOptions();
    CustomFieldDef def = extraField(u"enum"_s);
    def.name = u"Deal type"_s;
    def.options = { { u"1"_s, u"New business"_s }, { u"2"_s, u"Existing customer"_s },
        { u"3"_s, u"Partner"_s } };
    options.dealFields.insert(kExtraKey, def);
    options.fieldMap.insert(u"opportunities.type"_s, kExtraKey);
    options.opportunityType = defaultType;
    DealLinks links;
    links.ownerEmail = kOwner;
    const auto result = mapDeal(
        withCustomFields(fixture(u"deals/open"_s), { { kExtraKey, value } }), links, options);
    QVERIFY(result.row);
    QCOMPARE(result.row->type, type);
    QCOMPARE(problemLines(result.problems), problems);
    // A mapped field is not repeated in the comments.
    QVERIFY(!result.row->comments.value_or(QString()).contains(u"Deal type"_s));
}

void TestMapping::listsEveryFieldForTheFieldMap()
{
    const QList<CustomFieldDef> all
        = fieldDefs(pds::test::fixtureFile(u"fields"_s).value(u"dealFields"_s).toArray());
    // Two built-ins, six v2 custom fields, one v1 custom field; junk and key-less items left out.
    QCOMPARE(all.size(), 9);
    QCOMPARE(all.at(0).key, u"title"_s);
    QCOMPARE(all.at(0).name, u"Deal Title"_s);
    QVERIFY(!all.at(0).custom);
    QCOMPARE(all.at(2).name, u"Priority"_s);
    QVERIFY(all.at(2).custom);
    QCOMPARE(all.at(2).options.value(u"1"_s), u"Low"_s);
    for (int i = 0; i < all.size(); ++i)
        QCOMPARE(all.at(i).order, i);

    // Every target has a known source and an id "table.column".
    QVERIFY(fieldTargets().size() >= 13);
    for (const FieldTarget &target : fieldTargets()) {
        QVERIFY(target.id.contains(u'.'));
        QCOMPARE(findFieldTarget(target.id), &target);
    }
    QVERIFY(!findFieldTarget(u"accounts.name"));
    QCOMPARE(fieldKeyFor({}, *findFieldTarget(u"accounts.website")), u"website"_s);
    QCOMPARE(fieldKeyFor(
                 { { u"accounts.website"_s, QString() } }, *findFieldTarget(u"accounts.website")),
        QString());
}

// A mapped row's flat columns (what a new row is written from) are its map's, in the map's
// order; every row of a kind points at one list of names (the sync groups rows by it), and
// another kind at another list.
void TestMapping::rowColumnsShareTheirNamesInTheMapsOrder()
{
    LeadRow first;
    first.firstName = u"Ada"_s;
    first.email = u"ada@example.com"_s;
    first.city = u"Berlin"_s;
    first.assignedToId = 7;
    first.createdAt = QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    LeadRow second;
    second.firstName = u"Bo"_s;
    second.email = u"bo@example.com"_s;
    const Columns a = rowColumns(first);
    const Columns b = rowColumns(second);
    QVERIFY(a.names);
    QCOMPARE(a.names, b.names);
    const QVariantMap map = toColumns(first);
    QCOMPARE(*a.names, map.keys());
    QCOMPARE(a.values, map.values());
    QCOMPARE(a.toMap(), map);
    QCOMPARE(a.value(u"email"), QVariant(u"ada@example.com"_s));
    QCOMPARE(a.value(u"assigned_to_id"), QVariant(qint64(7)));
    QCOMPARE(b.value(u"first_name"), QVariant(u"Bo"_s));
    QVERIFY(b.value(u"city").isNull()); // a typed null: NULL in the CRM
    QVERIFY(!a.value(u"no_such_column").isValid());

    ContactRow contact;
    contact.email = u"ada@example.com"_s;
    const Columns c = rowColumns(contact);
    QVERIFY(c.names && c.names != a.names);
    QCOMPARE(*c.names, toColumns(contact).keys());
    QVERIFY(Columns().toMap().isEmpty());
    QVERIFY(!Columns().value(u"email").isValid());
}

void TestMapping::findsTheLinksOfUserPersonAndOrganizationFields()
{
    MappingOptions options;
    const QStringList types = { u"user"_s, u"people"_s, u"org"_s, u"varchar"_s, u"user"_s };
    for (int i = 0; i < types.size(); ++i) {
        CustomFieldDef def;
        def.key = QString(40, QChar(u'a' + i));
        def.type = types.at(i);
        options.dealFields.insert(def.key, def);
    }
    // Built-in link fields show nowhere unless the field map gives one a target; a custom one
    // kept out of the comments shows nowhere either: no name is looked up for them.
    CustomFieldDef person;
    person.key = u"person_id"_s;
    person.type = u"people"_s;
    person.custom = false;
    options.dealFields.insert(person.key, person);
    CustomFieldDef org = person;
    org.key = u"org_id"_s;
    org.type = u"org"_s;
    options.dealFields.insert(org.key, org);
    CustomFieldDef hidden = person;
    hidden.key = QString(40, u'f');
    hidden.custom = true;
    hidden.inComments = false;
    options.dealFields.insert(hidden.key, hidden);
    options.fieldMap.insert(u"opportunities.type"_s, u"org_id"_s);
    const QJsonObject record { { u"person_id"_s, 3 }, { u"org_id"_s, 4 },
        { u"custom_fields"_s,
            QJsonObject { { QString(40, u'a'), 7 }, { QString(40, u'b'), u"12"_s },
                { QString(40, u'c'), QJsonObject { { u"value"_s, 5 }, { u"name"_s, u"Acme"_s } } },
                { QString(40, u'd'), 99 }, { QString(40, u'e'), QJsonValue::Null },
                { QString(40, u'f'), 6 } } } };
    const QList<FieldLink> links = fieldLinks(record, FieldSource::Deal, options);
    QCOMPARE(links.size(), 4);
    QCOMPARE(links.at(0).key, QString(40, u'a'));
    QCOMPARE(links.at(0).type, u"user"_s);
    QCOMPARE(links.at(0).id, 7);
    QCOMPARE(links.at(1).type, u"people"_s);
    QCOMPARE(links.at(1).id, 12);
    QCOMPARE(links.at(2).type, u"org"_s);
    QCOMPARE(links.at(2).id, 5);
    QCOMPARE(links.at(3).key, u"org_id"_s);
    QCOMPARE(links.at(3).type, u"org"_s);
    QCOMPARE(links.at(3).id, 4);
    // Persons' fields are other definitions: none of these.
    QVERIFY(fieldLinks(record, FieldSource::Person, options).isEmpty());
}

// ---- Robustness ---------------------------------------------------------------------------------

void TestMapping::survivesGarbage_data()
{
    QTest::addColumn<QJsonValue>("junk");
    QTest::addColumn<bool>("withId");
    const QList<QPair<const char *, QJsonValue>> values = {
        { "null", QJsonValue(QJsonValue::Null) },
        { "true", QJsonValue(true) },
        { "zero", QJsonValue(0) },
        { "negative", QJsonValue(-1) },
        { "huge", QJsonValue(1e300) },
        { "fraction", QJsonValue(1.5) },
        { "empty string", QJsonValue(u""_s) },
        { "spaces", QJsonValue(u"   "_s) },
        { "10k string", QJsonValue(QString(10000, u'<')) },
        { "zero time", QJsonValue(u"0000-00-00 00:00:00"_s) },
        { "markup", QJsonValue(u"<script>alert(1)</script><b"_s) },
        { "empty array", QJsonValue(QJsonArray()) },
        { "mixed array", QJsonValue(QJsonArray { QJsonValue::Null, 1, u"x"_s, QJsonObject() }) },
        { "empty object", QJsonValue(QJsonObject()) },
        { "odd object",
            QJsonValue(QJsonObject { { u"value"_s, QJsonArray() }, { u"id"_s, u"x"_s } }) },
    };
    for (const auto &[name, value] : values) {
        QTest::newRow(name) << value << false;
        QTest::newRow(QByteArray(name).append(" with id").constData()) << value << true;
    }
}

void TestMapping::survivesGarbage()
{
    QFETCH(QJsonValue, junk);
    QFETCH(bool, withId);
    static const QStringList keys = {
        u"id"_s,
        u"name"_s,
        u"first_name"_s,
        u"last_name"_s,
        u"email"_s,
        u"emails"_s,
        u"phone"_s,
        u"phones"_s,
        u"owner_id"_s,
        u"org_id"_s,
        u"person_id"_s,
        u"deal_id"_s,
        u"stage_id"_s,
        u"add_time"_s,
        u"update_time"_s,
        u"created"_s,
        u"modified"_s,
        u"address"_s,
        u"postal_address"_s,
        u"website"_s,
        u"custom_fields"_s,
        u"status"_s,
        u"title"_s,
        u"value"_s,
        u"currency"_s,
        u"probability"_s,
        u"lost_reason"_s,
        u"expected_close_date"_s,
        u"close_time"_s,
        u"won_time"_s,
        u"lost_time"_s,
        u"local_close_date"_s,
        u"is_archived"_s,
        u"is_deleted"_s,
        u"active_flag"_s,
        u"activated"_s,
        u"subject"_s,
        u"type"_s,
        u"note"_s,
        u"due_date"_s,
        u"due_time"_s,
        u"done"_s,
        u"priority"_s,
        u"location"_s,
        u"content"_s,
        u"lead_id"_s,
        u"user_id"_s,
    };
    QJsonObject record;
    for (const QString &key : keys)
        record.insert(key, junk);
    MappingOptions options
        = optionsFrom({ { u"phoneKey"_s, kPhoneKey }, { u"emailKey"_s, kEmailKey } });
    QJsonObject custom;
    for (const QString &key : options.dealFields.keys())
        custom.insert(key, junk);
    custom.insert(kPhoneKey, junk);
    custom.insert(kEmailKey, junk);
    record.insert(u"custom_fields"_s, custom);
    if (withId)
        record.insert(u"id"_s, 1);

    // Every mapper either gives a row that meets the CRM's rules or says why not.
    const auto explained = [](const QList<Problem> &problems) {
        for (const Problem &p : problems) {
            if ((p.kind == Problem::Skipped || p.kind == Problem::Deleted) && !p.reason.isEmpty())
                return true;
        }
        return false;
    };
    const auto user = mapUser(record, options);
    QVERIFY(user.row ? isValidEmail(user.row->email) : explained(user.problems));

    const auto account = mapOrganization(record, { kOwner, {} }, options);
    QVERIFY(account.row ? !account.row->name.isEmpty() && !account.row->phone.isEmpty()
                        : explained(account.problems));

    for (const bool hasDeals : { true, false }) {
        PersonLinks links;
        links.hasDeals = hasDeals;
        links.ownerEmail = kOwner;
        links.ownerUserId = 7;
        const auto person = mapPerson(record, links, options);
        if (!person.row) {
            QVERIFY(explained(person.problems));
            continue;
        }
        const QVariantMap columns
            = std::visit([](const auto &row) { return toColumns(row); }, *person.row);
        QVERIFY(isValidEmail(columns.value(u"email"_s).toString()));
        QVERIFY(!columns.value(u"first_name"_s).toString().isEmpty());
        QVERIFY(!columns.value(u"last_name"_s).toString().isEmpty());
    }

    DealLinks dealLinks;
    dealLinks.ownerEmail = kOwner;
    const auto deal = mapDeal(record, dealLinks, options);
    if (deal.row) {
        QVERIFY(!deal.row->opportunityName.isEmpty());
        QVERIFY(!deal.row->accountName.isEmpty());
        QVERIFY(isCrmStage(deal.row->stage));
        QVERIFY(!deal.row->probability
            || (*deal.row->probability >= 0 && *deal.row->probability <= 100));
    } else {
        QVERIFY(explained(deal.problems));
    }

    ActivityLinks activityLinks;
    activityLinks.assigneeUserId = 7;
    const auto task = mapActivity(record, activityLinks, options);
    if (task.row) {
        QVERIFY(!task.row->title.isEmpty());
        QVERIFY(QStringList({ u"high"_s, u"medium"_s, u"low"_s }).contains(task.row->priority));
    } else {
        QVERIFY(explained(task.problems));
    }

    const auto note = mapNote(record, {}, options);
    if (note.row) {
        QVERIFY(!note.row->content.isEmpty());
        QVERIFY(!note.row->content.contains(u"<script"_s, Qt::CaseInsensitive));
        QVERIFY(!note.row->content.contains(u"<b"_s));
    } else {
        QVERIFY(explained(note.problems));
    }
}

QTEST_GUILESS_MAIN(TestMapping)
#include "tst_mapping.moc"
