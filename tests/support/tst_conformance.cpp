// Conformance of the fake Pipedrive server with Pipedrive's OpenAPI files: every route the fake
// serves is requested (several pages, with and without filters) and each body is validated
// against the 200 (or error) response schema of the matching operation in v1.json / v2.json.
//
// Where the spec and the documented wire format disagree, the test follows the documentation
// and says so here:
//  1. Nulls. The spec marks few fields nullable, yet real responses carry null for absent links
//     and times (API-NOTES §3/§5: "null means the end" for next_cursor, v2 links are "nullable
//     integers"; marked_as_done_time "null when not done"). The v2 *Fields lists even mark
//     next_cursor nullable while the entity lists do not. Such nulls are tolerated only at the
//     paths listed in kNullTolerances (with the reason); anywhere else null is a violation.
//  2. v1 noteFields: the schema puts start/limit/more_items_in_collection directly under
//     additional_data, its own example and the pagination docs put them under
//     additional_data.pagination. The spec check passes either way (nothing is required), so the
//     envelope check below requires the documented additional_data.pagination.
//  3. The spec requires nothing in the 200 bodies (no `required` outside the v2 *Fields items),
//     so an empty object would pass. Envelope schemas below add what the docs promise
//     (success/data/additional_data, the pagination keys), and recordsCarryTheSpecExampleFields
//     checks that records carry every field of the spec's example record.
//  4. Errors: the spec defines an error body for these routes only for v1 /users/me 401. The
//     other errors (404, 400, 429) are checked against the spec's standard error envelope as
//     given for v1 GET /leads/{id} 404 and v2 POST /deals/{id}/convert/lead 404
//     ({success, error, error_info, data, additional_data}).
#include "fakepipedrive.h"
#include "openapivalidator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;
using pds::test::DatasetSizes;
using pds::test::Entity;
using pds::test::FakePipedriveServer;
using pds::test::OpenApiValidator;

namespace {

const QByteArray kToken = "conformance-token";

struct NullTolerance
{
    const char *route;
    const char *path;
    const char *why;
};

// Nulls the docs (or the spec elsewhere) allow although the route's own schema does not.
const NullTolerance kNullTolerances[] = {
    // The last page of a cursor list: "next_cursor null means the end" (pagination docs); the
    // spec marks it nullable for the *Fields lists only.
    { "/api/v2/organizations", "additional_data.next_cursor", "last page" },
    { "/api/v2/persons", "additional_data.next_cursor", "last page" },
    { "/api/v2/deals", "additional_data.next_cursor", "last page" },
    { "/api/v2/deals/archived", "additional_data.next_cursor", "last page" },
    { "/api/v2/activities", "additional_data.next_cursor", "last page" },
    { "/api/v2/pipelines", "additional_data.next_cursor", "last page" },
    { "/api/v2/stages", "additional_data.next_cursor", "last page" },
    // Unset links: API-NOTES §5 "plain integers (nullable)"; the v1 spec marks the same links
    // nullable in several schemas.
    { "/api/v2/persons", "data[].org_id", "person without organization" },
    { "/api/v2/persons", "data[].picture_id", "no picture (v1 spec: picture_id nullable)" },
    { "/api/v2/organizations", "data[].address", "no address (v2 spec: nullable elsewhere)" },
    { "/api/v2/deals", "data[].person_id", "deal without person" },
    { "/api/v2/deals", "data[].org_id", "deal without organization" },
    { "/api/v2/deals/archived", "data[].person_id", "deal without person" },
    { "/api/v2/deals/archived", "data[].org_id", "deal without organization" },
    // Times of events that have not happened: the spec makes close_time nullable but not its
    // siblings; v2 deal payloads show won_time/lost_time/expected_close_date as null.
    { "/api/v2/deals", "data[].won_time", "deal not won" },
    { "/api/v2/deals", "data[].lost_time", "deal not lost" },
    { "/api/v2/deals", "data[].expected_close_date", "no expected close date" },
    { "/api/v2/deals/archived", "data[].won_time", "deal not won" },
    { "/api/v2/deals/archived", "data[].lost_time", "deal not lost" },
    { "/api/v2/deals/archived", "data[].expected_close_date", "no expected close date" },
    { "/api/v2/activities", "data[].deal_id", "activity without deal" },
    { "/api/v2/activities", "data[].lead_id", "activity without lead" },
    { "/api/v2/activities", "data[].person_id", "activity without person" },
    { "/api/v2/activities", "data[].org_id", "activity without organization" },
    { "/api/v2/activities", "data[].project_id", "activity without project" },
    { "/api/v2/activities", "data[].marked_as_done_time", "not done (API-NOTES §5)" },
    { "/api/v2/activities", "data[].priority", "no priority (v2 spec: nullable for tasks)" },
    // Optional texts of an activity; assumed (not documented either way).
    { "/api/v2/activities", "data[].due_time", "all-day activity (assumed)" },
    { "/api/v2/activities", "data[].duration", "no duration (assumed)" },
    { "/api/v2/activities", "data[].location", "no location (assumed)" },
    { "/api/v2/activities", "data[].note", "no note (assumed)" },
    { "/api/v2/activities", "data[].public_description", "no description (assumed)" },
    { "/api/v2/activities", "data[].conference_meeting_client", "no meeting (assumed)" },
    { "/api/v2/activities", "data[].conference_meeting_url", "no meeting (assumed)" },
    { "/api/v2/activities", "data[].conference_meeting_id", "no meeting (assumed)" },
    // v1 notes: unset links and their convenience objects.
    { "/api/v1/notes", "data[].deal_id", "note without deal" },
    { "/api/v1/notes", "data[].person_id", "note without person" },
    { "/api/v1/notes", "data[].org_id", "note without organization" },
    { "/api/v1/notes", "data[].lead_id", "note without lead" },
    { "/api/v1/notes", "data[].project_id", "note without project" },
    { "/api/v1/notes", "data[].deal", "note without deal" },
    { "/api/v1/notes", "data[].person", "note without person" },
    { "/api/v1/notes", "data[].organization", "note without organization" },
    { "/api/v1/notes", "data[].project", "note without project" },
    { "/api/v1/notes", "data[].user.icon_url", "user without icon (nullable in the v1 user)" },
    // Every other v1 *Fields schema marks options nullable; noteFields does not.
    { "/api/v1/noteFields", "data[].options", "field without options" },
};

// Fields of the spec's example record that are only sent on request or for some companies.
const QMap<QString, QStringList> kExampleFieldsNotAlwaysSent = {
    // Contact-sync fields (API-NOTES §5: only when the company uses contact sync).
    { u"/api/v2/persons"_s,
        { u"postal_address"_s, u"notes"_s, u"im"_s, u"birthday"_s, u"job_title"_s } },
    // Only with include_fields=attendees.
    { u"/api/v2/activities"_s, { u"attendees"_s } },
    // The spec's organization example carries an "org_id" its schema does not define.
    { u"/api/v2/organizations"_s, { u"org_id"_s } },
    // Namespaces only sent with include_fields.
    { u"/api/v2/dealFields"_s,
        { u"ui_visibility"_s, u"important_fields"_s, u"required_fields"_s } },
    { u"/api/v2/personFields"_s,
        { u"ui_visibility"_s, u"important_fields"_s, u"required_fields"_s } },
    { u"/api/v2/organizationFields"_s,
        { u"ui_visibility"_s, u"important_fields"_s, u"required_fields"_s } },
    { u"/api/v2/activityFields"_s, { u"ui_visibility"_s } },
};

QJsonObject parseObject(const char *json)
{
    // Single quotes keep the inline schemas readable; they are turned into JSON quotes here.
    const QJsonObject object
        = QJsonDocument::fromJson(QByteArray(json).replace('\'', '"')).object();
    if (object.isEmpty())
        qFatal("inline schema is not a JSON object: %s", json);
    return object;
}

// What the docs promise about the envelopes (see 3. above); validated with the same reader.
const char kV2ListEnvelope[]
    = "{'type': 'object', 'required': ['success', 'data', 'additional_data'],"
      " 'properties': {'success': {'enum': [true]}, 'data': {'type': 'array'},"
      "  'additional_data': {'type': 'object', 'required': ['next_cursor']}}}";
const char kV1PagedEnvelope[]
    = "{'type': 'object', 'required': ['success', 'data', 'additional_data'],"
      " 'properties': {'success': {'enum': [true]}, 'data': {'type': 'array'},"
      "  'additional_data': {'type': 'object', 'required': ['pagination'], 'properties': {"
      "   'pagination': {'type': 'object',"
      "    'required': ['start', 'limit', 'more_items_in_collection'], 'properties': {"
      "     'start': {'type': 'integer'}, 'limit': {'type': 'integer'},"
      "     'more_items_in_collection': {'type': 'boolean'},"
      "     'next_start': {'type': 'integer'}}}}}}}";
const char kV1ListEnvelope[]
    = "{'type': 'object', 'required': ['success', 'data'],"
      " 'properties': {'success': {'enum': [true]}, 'data': {'type': 'array'}}}";
const char kV1ObjectEnvelope[]
    = "{'type': 'object', 'required': ['success', 'data'],"
      " 'properties': {'success': {'enum': [true]}, 'data': {'type': 'object'}}}";
const char kErrorEnvelope[]
    = "{'type': 'object', 'required': ['success', 'error'],"
      " 'properties': {'success': {'enum': [false]}, 'error': {'type': 'string'}}}";

struct Exchange
{
    int status = 0;
    QByteArray body;
    QJsonValue json;
    QString failure; // transport or parse failure
};

// "/api/v2/deals/archived" -> "/deals/archived"
QString specPath(const QString &route)
{
    return route.mid(int(qstrlen("/api/v2")));
}

bool isV1(const QString &route)
{
    return route.startsWith("/api/v1/"_L1);
}

// Many records usually break the same way; one line per distinct problem keeps output readable.
class ViolationLog
{
public:
    void add(const QString &request, const QStringList &violations)
    {
        for (const QString &v : violations) {
            const QString key = OpenApiValidator::genericPath(v);
            if (!m_count.contains(key))
                m_first.insert(key, request + u": "_s + v);
            ++m_count[key];
        }
    }
    bool isEmpty() const { return m_count.isEmpty(); }
    QString report() const
    {
        QStringList lines;
        for (auto it = m_count.begin(); it != m_count.end(); ++it)
            lines.append(u"%1 (x%2; first: %3)"_s.arg(it.key())
                             .arg(it.value())
                             .arg(m_first.value(it.key())));
        return lines.join(u'\n');
    }

private:
    QMap<QString, int> m_count;
    QMap<QString, QString> m_first;
};

} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private:
    OpenApiValidator m_v1;
    OpenApiValidator m_v2;
    FakePipedriveServer m_server;
    QNetworkAccessManager m_network;
    QStringList m_tolerated; // "route generic-path", for the summary

    Exchange fetch(
        const QString &route, const QString &query = QString(), const QByteArray &token = kToken)
    {
        QUrl url = m_server.baseUrl();
        url.setPath(route);
        if (!query.isEmpty())
            url.setQuery(QUrlQuery(query));
        QNetworkRequest request(url);
        if (!token.isEmpty())
            request.setRawHeader("x-api-token", token);
        QNetworkReply *reply = m_network.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        Exchange exchange;
        if (!reply->isFinished() && !finished.wait(20000))
            exchange.failure = u"no answer"_s;
        exchange.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        exchange.body = reply->readAll();
        reply->deleteLater();
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(exchange.body, &error);
        if (exchange.failure.isEmpty() && error.error != QJsonParseError::NoError)
            exchange.failure = u"body is not JSON: "_s + error.errorString();
        exchange.json = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
        return exchange;
    }

    // The JSON body of GET route?query on another fake instance (empty object on failure).
    QJsonObject fetchFrom(
        const FakePipedriveServer &server, const QString &route, const QString &query)
    {
        QUrl url = server.baseUrl();
        url.setPath(route);
        url.setQuery(query);
        QNetworkRequest request(url);
        request.setRawHeader("x-api-token", kToken);
        QNetworkReply *reply = m_network.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return body;
    }

    // The spec validator of a route, with the nulls that route may carry beyond its schema.
    OpenApiValidator validatorFor(const QString &route) const
    {
        OpenApiValidator validator = isV1(route) ? m_v1 : m_v2;
        for (const NullTolerance &t : kNullTolerances) {
            if (route == QLatin1StringView(t.route))
                validator.allowNull(QString::fromLatin1(t.path));
        }
        return validator;
    }

    // Requests route?query and follows the pagination for up to maxPages pages, validating
    // every body against the spec and the documented envelope. Returns the records seen.
    QJsonArray walk(const QString &route, const QString &query, int maxPages, ViolationLog &log)
    {
        const OpenApiValidator validator = validatorFor(route);
        const bool v1 = isV1(route);
        const bool single = route == "/api/v1/users/me"_L1;
        const bool offsetPaged = route == "/api/v1/notes"_L1 || route == "/api/v1/noteFields"_L1;
        const bool unpaged = v1 && !single && !offsetPaged;
        const QJsonObject envelope = parseObject(single ? kV1ObjectEnvelope
                : unpaged                               ? kV1ListEnvelope
                : offsetPaged                           ? kV1PagedEnvelope
                                                        : kV2ListEnvelope);
        QJsonArray records;
        QString pageQuery = query;
        for (int page = 1; page <= maxPages; ++page) {
            const QString request = u"GET %1?%2 (page %3)"_s.arg(route, pageQuery).arg(page);
            const Exchange reply = fetch(route, pageQuery);
            if (!reply.failure.isEmpty() || reply.status != 200) {
                log.add(request,
                    { u"HTTP %1 %2: %3"_s.arg(reply.status)
                            .arg(reply.failure, QString::fromUtf8(reply.body.left(200))) });
                break;
            }
            QStringList tolerated;
            log.add(request,
                validator.validateResponse(u"get"_s, specPath(route), 200, reply.json, &tolerated));
            log.add(request, validator.validate(reply.json, envelope));
            for (const QString &path : std::as_const(tolerated))
                m_tolerated.append(route + u' ' + OpenApiValidator::genericPath(path));

            const QJsonObject body = reply.json.toObject();
            const QJsonValue data = body.value("data"_L1);
            if (data.isObject())
                records.append(data);
            for (const QJsonValue &record : data.toArray())
                records.append(record);

            QUrlQuery next(query);
            const QJsonObject additional = body.value("additional_data"_L1).toObject();
            if (offsetPaged) {
                const QJsonObject pagination = additional.value("pagination"_L1).toObject();
                if (!pagination.value("more_items_in_collection"_L1).toBool())
                    break;
                if (!pagination.value("next_start"_L1).isDouble()) {
                    log.add(
                        request, { u"additional_data.pagination: more items but no next_start"_s });
                    break;
                }
                next.removeAllQueryItems(u"start"_s);
                next.addQueryItem(
                    u"start"_s, QString::number(pagination.value("next_start"_L1).toInteger()));
            } else if (!v1) {
                const QJsonValue cursor = additional.value("next_cursor"_L1);
                if (!cursor.isString())
                    break;
                next.addQueryItem(u"cursor"_s, cursor.toString());
            } else {
                break;
            }
            pageQuery = next.toString(QUrl::FullyDecoded);
        }
        return records;
    }

    // The median update_time of an entity's records: a filter bound that splits the data.
    QString medianUpdateTime(Entity entity) const
    {
        QList<qint64> times;
        for (const auto &record : m_server.dataset().table(entity))
            times.append(record.updateSecs);
        std::sort(times.begin(), times.end());
        return times.isEmpty() ? QString() : pds::test::v2Time(times.at(times.size() / 2));
    }

private slots:
    void initTestCase()
    {
        QString error;
        const QString dir = QStringLiteral(PDS_SHARED_DIR) + u"/pipedrive/openapi/"_s;
        QVERIFY2(m_v1.load(dir + u"v1.json"_s, &error), qPrintable(error));
        QVERIFY2(m_v2.load(dir + u"v2.json"_s, &error), qPrintable(error));

        m_server.generate(20240611, DatasetSizes::fromTotal(600));
        m_server.setApiToken(QString::fromLatin1(kToken));
        QVERIFY(m_server.listen() != 0);

        // Records that went through the test data API must conform as well.
        const auto deals = m_server.dataset().ids(Entity::Deals);
        QVERIFY(deals.size() > 10);
        QVERIFY(m_server.deleteRecord(Entity::Deals, deals.at(3)));
        QVERIFY(
            m_server.updateRecord(Entity::Deals, deals.at(4), { { u"title"_s, u"Renamed"_s } }));
    }

    void cleanupTestCase()
    {
        m_tolerated.removeDuplicates();
        m_tolerated.sort();
        qInfo("Nulls tolerated beyond the spec (see kNullTolerances):\n  %s",
            qPrintable(m_tolerated.join(u"\n  "_s)));
    }

    void responsesMatchTheSpec_data()
    {
        QTest::addColumn<QString>("route");
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("maxPages");
        QTest::addColumn<int>("minRecords");

        // v1
        QTest::newRow("users") << u"/api/v1/users"_s << QString() << 1 << 6;
        QTest::newRow("users/me") << u"/api/v1/users/me"_s << QString() << 1 << 1;
        QTest::newRow("activityTypes") << u"/api/v1/activityTypes"_s << QString() << 1 << 1;
        QTest::newRow("notes") << u"/api/v1/notes"_s << QString() << 10 << 30;
        QTest::newRow("notes small pages") << u"/api/v1/notes"_s << u"limit=17"_s << 4 << 40;
        QTest::newRow("notes 500") << u"/api/v1/notes"_s << u"limit=500"_s << 2 << 30;
        QTest::newRow("notes sorted")
            << u"/api/v1/notes"_s << u"sort=update_time DESC&limit=20"_s << 3 << 20;
        QTest::newRow("notes updated_since")
            << u"/api/v1/notes"_s << u"updated_since="_s + medianUpdateTime(Entity::Notes) << 5
            << 1;
        QTest::newRow("noteFields") << u"/api/v1/noteFields"_s << QString() << 5 << 3;
        QTest::newRow("noteFields small pages")
            << u"/api/v1/noteFields"_s << u"limit=3"_s << 5 << 6;

        // v2 entity lists
        struct Entry
        {
            const char *route;
            Entity entity;
            int minRecords;
        };
        const Entry lists[] = { { "/api/v2/organizations", Entity::Organizations, 10 },
            { "/api/v2/persons", Entity::Persons, 100 }, { "/api/v2/deals", Entity::Deals, 40 },
            { "/api/v2/activities", Entity::Activities, 100 } };
        for (const Entry &e : lists) {
            const QString route = QString::fromLatin1(e.route);
            const QString name = route.mid(8);
            const QString median = medianUpdateTime(e.entity);
            QTest::addRow("%s", qPrintable(name)) << route << QString() << 10 << e.minRecords;
            QTest::addRow("%s small pages", qPrintable(name))
                << route << u"limit=13"_s << 4 << qMin(40, e.minRecords);
            QTest::addRow("%s 500", qPrintable(name))
                << route << u"limit=500"_s << 2 << e.minRecords;
            QTest::addRow("%s by update_time", qPrintable(name))
                << route << u"sort_by=update_time&sort_direction=desc&limit=50"_s << 10
                << e.minRecords;
            QTest::addRow("%s updated_since", qPrintable(name))
                << route << u"updated_since="_s + median << 10 << 1;
            QTest::addRow("%s updated_until", qPrintable(name))
                << route << u"updated_until="_s + median << 10 << 1;
        }
        QTest::newRow("persons include_fields")
            << u"/api/v2/persons"_s
            << u"include_fields=open_deals_count,closed_deals_count,activities_count&limit=100"_s
            << 3 << 100;
        QTest::newRow("activities include_fields")
            << u"/api/v2/activities"_s << u"include_fields=attendees&limit=100"_s << 3 << 100;
        QTest::newRow("deals open") << u"/api/v2/deals"_s << u"status=open"_s << 5 << 1;
        QTest::newRow("deals won,lost") << u"/api/v2/deals"_s << u"status=won,lost"_s << 5 << 1;
        QTest::newRow("deals deleted") << u"/api/v2/deals"_s << u"status=deleted"_s << 5 << 1;
        QTest::newRow("deals archived") << u"/api/v2/deals/archived"_s << QString() << 5 << 1;
        QTest::newRow("deals archived small pages")
            << u"/api/v2/deals/archived"_s << u"limit=2"_s << 3 << 2;
        QTest::newRow("pipelines") << u"/api/v2/pipelines"_s << QString() << 3 << 1;
        QTest::newRow("stages") << u"/api/v2/stages"_s << QString() << 3 << 2;
        QTest::newRow("stages small pages") << u"/api/v2/stages"_s << u"limit=2"_s << 3 << 4;

        for (const char *fields :
            { "dealFields", "personFields", "organizationFields", "activityFields" }) {
            const QString route = u"/api/v2/"_s + QString::fromLatin1(fields);
            QTest::addRow("%s", fields) << route << QString() << 5 << 5;
            QTest::addRow("%s small pages", fields) << route << u"limit=4"_s << 3 << 8;
        }
        QTest::newRow("dealFields include_fields")
            << u"/api/v2/dealFields"_s
            << u"include_fields=ui_visibility,important_fields,required_fields"_s << 5 << 5;
    }

    void responsesMatchTheSpec()
    {
        QFETCH(QString, route);
        QFETCH(QString, query);
        QFETCH(int, maxPages);
        QFETCH(int, minRecords);
        ViolationLog log;
        const QJsonArray records = walk(route, query, maxPages, log);
        QVERIFY2(log.isEmpty(), qPrintable(u"\n"_s + log.report()));
        // Guards against a vacuous pass (an empty list conforms to anything).
        QVERIFY2(records.size() >= minRecords,
            qPrintable(
                u"only %1 records, expected at least %2"_s.arg(records.size()).arg(minRecords)));
    }

    // The spec lists the count fields only in the include_fields enum, so the schema check
    // cannot see them; they are integers and absent unless asked for.
    void personIncludeFieldsAreIntegerCounts()
    {
        const QStringList counts { u"open_deals_count"_s, u"closed_deals_count"_s,
            u"activities_count"_s };
        ViolationLog log;
        const QJsonArray with
            = walk(u"/api/v2/persons"_s, u"limit=50&include_fields="_s + counts.join(u','), 1, log);
        const QJsonArray without = walk(u"/api/v2/persons"_s, u"limit=50"_s, 1, log);
        QVERIFY2(log.isEmpty(), qPrintable(log.report()));
        QVERIFY(!with.isEmpty() && !without.isEmpty());
        const QJsonObject countSchema = parseObject("{'type': 'integer', 'minimum': 0}");
        for (qsizetype i = 0; i < with.size(); ++i) {
            const QJsonObject person = with.at(i).toObject();
            for (const QString &field : counts) {
                QVERIFY2(
                    person.contains(field), qPrintable(u"data[%1].%2 missing"_s.arg(i).arg(field)));
                const QStringList v = m_v2.validate(person.value(field), countSchema);
                QVERIFY2(v.isEmpty(),
                    qPrintable(u"data[%1].%2: %3"_s.arg(i).arg(field, v.join(u"; "_s))));
            }
        }
        for (const QJsonValue &person : without) {
            for (const QString &field : counts)
                QVERIFY2(
                    !person.toObject().contains(field), qPrintable(field + u" sent unasked"_s));
        }
    }

    // The special deal lists really contain the shapes they exist for.
    void deletedAndArchivedDealsAreServed()
    {
        ViolationLog log;
        const QJsonArray deleted = walk(u"/api/v2/deals"_s, u"status=deleted&limit=500"_s, 2, log);
        const QJsonArray archived = walk(u"/api/v2/deals/archived"_s, u"limit=500"_s, 2, log);
        QVERIFY2(log.isEmpty(), qPrintable(log.report()));
        QVERIFY(!deleted.isEmpty());
        QVERIFY(!archived.isEmpty());
        for (const QJsonValue &deal : deleted) {
            QCOMPARE(deal[u"status"_s].toString(), u"deleted"_s);
            QCOMPARE(deal[u"is_deleted"_s].toBool(), true);
        }
        for (const QJsonValue &deal : archived) {
            QCOMPARE(deal[u"is_archived"_s].toBool(), true);
            QVERIFY(deal[u"archive_time"_s].isString());
        }
    }

    // Drift the schema check cannot see: every field of the spec's example record must appear
    // in the fake's records (except the documented on-request ones).
    void recordsCarryTheSpecExampleFields_data()
    {
        QTest::addColumn<QString>("route");
        for (const char *route : { "/api/v1/users", "/api/v1/users/me", "/api/v1/notes",
                 "/api/v1/activityTypes", "/api/v1/noteFields", "/api/v2/organizations",
                 "/api/v2/persons", "/api/v2/deals", "/api/v2/deals/archived", "/api/v2/activities",
                 "/api/v2/pipelines", "/api/v2/stages", "/api/v2/dealFields",
                 "/api/v2/personFields", "/api/v2/organizationFields", "/api/v2/activityFields" })
            QTest::newRow(route) << QString::fromLatin1(route);
    }

    void recordsCarryTheSpecExampleFields()
    {
        QFETCH(QString, route);
        const OpenApiValidator &spec = isV1(route) ? m_v1 : m_v2;
        const QJsonValue example
            = spec.responseExample(u"get"_s, specPath(route)).toObject().value("data"_L1);
        QVERIFY(example.isArray() || example.isObject());
        QSet<QString> expected;
        const QJsonArray exampleRecords
            = example.isArray() ? example.toArray() : QJsonArray { example };
        for (const QJsonValue &record : exampleRecords) {
            const QStringList keys = record.toObject().keys();
            expected.unite(QSet<QString>(keys.begin(), keys.end()));
        }
        for (const QString &key : kExampleFieldsNotAlwaysSent.value(route))
            expected.remove(key);

        ViolationLog log;
        const QJsonArray records = walk(route, isV1(route) ? QString() : u"limit=500"_s, 3, log);
        QVERIFY2(log.isEmpty(), qPrintable(log.report()));
        QSet<QString> seen;
        for (const QJsonValue &record : records) {
            const QStringList keys = record.toObject().keys();
            seen.unite(QSet<QString>(keys.begin(), keys.end()));
        }
        QStringList missing = (expected - seen).values();
        missing.sort();
        QVERIFY2(missing.isEmpty(),
            qPrintable(u"fields of the spec example never sent: "_s + missing.join(u", "_s)));
    }

    void errorBodiesFollowTheSpec_data()
    {
        QTest::addColumn<QString>("route");
        QTest::addColumn<QString>("query");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<bool>("arm429");
        QTest::addColumn<int>("status");

        QTest::newRow("401 v1 no token")
            << u"/api/v1/users/me"_s << QString() << QByteArray() << false << 401;
        QTest::newRow("401 v1 wrong token")
            << u"/api/v1/notes"_s << QString() << QByteArray("nope") << false << 401;
        QTest::newRow("401 v2 no token")
            << u"/api/v2/deals"_s << QString() << QByteArray() << false << 401;
        QTest::newRow("404 v1") << u"/api/v1/nothing"_s << QString() << kToken << false << 404;
        QTest::newRow("404 v2") << u"/api/v2/nothing"_s << QString() << kToken << false << 404;
        QTest::newRow("400 v2 limit>500")
            << u"/api/v2/persons"_s << u"limit=501"_s << kToken << false << 400;
        QTest::newRow("400 v2 fields limit>500")
            << u"/api/v2/dealFields"_s << u"limit=501"_s << kToken << false << 400;
        QTest::newRow("400 v2 unknown include_fields")
            << u"/api/v2/persons"_s << u"include_fields=bogus"_s << kToken << false << 400;
        QTest::newRow("429 v2") << u"/api/v2/deals"_s << QString() << kToken << true << 429;
        QTest::newRow("429 v1") << u"/api/v1/notes"_s << QString() << kToken << true << 429;
    }

    void errorBodiesFollowTheSpec()
    {
        QFETCH(QString, route);
        QFETCH(QString, query);
        QFETCH(QByteArray, token);
        QFETCH(bool, arm429);
        QFETCH(int, status);

        // 401 has its own schema (v1 /users/me); everything else the standard envelope (4. above).
        QJsonObject schema;
        if (status == 401)
            schema = m_v1.responseSchema(u"get"_s, u"/users/me"_s, 401);
        else if (isV1(route))
            schema = m_v1.responseSchema(u"get"_s, u"/leads/{id}"_s, 404);
        else
            schema = m_v2.responseSchema(u"post"_s, u"/deals/{id}/convert/lead"_s, 404);
        QVERIFY2(!schema.isEmpty(), "the spec's error schema moved");

        if (arm429)
            m_server.failNext429(1);
        const Exchange reply = fetch(route, query, token);
        QVERIFY2(reply.failure.isEmpty(), qPrintable(reply.failure));
        QCOMPARE(reply.status, status);
        QStringList violations = m_v1.validate(reply.json, schema);
        violations += m_v1.validate(reply.json, parseObject(kErrorEnvelope));
        if (status == 401) // API-NOTES §2: the documented 401 body
            violations += m_v1.validate(reply.json,
                parseObject("{'required': ['errorCode'], 'properties':"
                            " {'errorCode': {'enum': [401]}}}"));
        QVERIFY2(violations.isEmpty(),
            qPrintable(QString::fromUtf8(reply.body) + u"\n"_s + violations.join(u'\n')));
    }

    // Records added with only a name, as tests of the importer do, must still be served in
    // the spec's shape: the real API fills owner, visibility and author on create.
    void recordsAddedThroughTheDataApiConform()
    {
        FakePipedriveServer server;
        server.generate(7, DatasetSizes::fromTotal(100));
        server.setApiToken(QString::fromLatin1(kToken));
        QVERIFY(server.listen() != 0);
        const qint64 person
            = server.addRecord(Entity::Persons, { { u"name"_s, u"Added Person"_s } });
        const qint64 org
            = server.addRecord(Entity::Organizations, { { u"name"_s, u"Added Ltd"_s } });
        const qint64 note
            = server.addRecord(Entity::Notes, { { u"content"_s, u"<p>added</p>"_s } });
        const qint64 deal = server.addRecord(Entity::Deals, { { u"title"_s, u"Added deal"_s } });
        const qint64 activity
            = server.addRecord(Entity::Activities, { { u"subject"_s, u"Added call"_s } });
        QVERIFY(person > 0 && org > 0 && note > 0 && deal > 0 && activity > 0);

        QStringList violations;
        for (const char *list : { "/api/v2/persons", "/api/v2/organizations", "/api/v1/notes",
                 "/api/v2/deals", "/api/v2/activities" }) {
            const QString route = QString::fromLatin1(list);
            const QJsonObject body = fetchFrom(server, route, u"limit=500"_s);
            QVERIFY(!body.value("data"_L1).toArray().isEmpty());
            const QStringList found
                = validatorFor(route).validateResponse(u"get"_s, specPath(route), 200, body);
            for (const QString &v : found)
                violations.append(route + u' ' + OpenApiValidator::genericPath(v));
        }
        violations.removeDuplicates();
        QVERIFY2(violations.isEmpty(), qPrintable(violations.join(u'\n')));
    }

    // Proves this test can fail against the fake itself: with bad records switched on, the
    // malformed records are reported, and only those.
    void badRecordsAreCaught()
    {
        FakePipedriveServer server;
        server.generate(20240611, DatasetSizes::fromTotal(600));
        server.setApiToken(QString::fromLatin1(kToken));
        server.setBadRecords(true);
        QVERIFY(server.listen() != 0);

        const struct
        {
            const char *route;
            Entity entity;
        } lists[] = { { "/api/v2/organizations", Entity::Organizations },
            { "/api/v2/persons", Entity::Persons }, { "/api/v2/deals", Entity::Deals },
            { "/api/v2/activities", Entity::Activities }, { "/api/v1/notes", Entity::Notes },
            { "/api/v1/users", Entity::Users } };
        static const QRegularExpression recordIndex(uR"(^data\[(\d+)\])"_s);
        int caught = 0;
        for (const auto &list : lists) {
            const QString route = QString::fromLatin1(list.route);
            const QJsonObject body = fetchFrom(server, route, u"limit=500"_s);
            const QJsonArray data = body.value("data"_L1).toArray();
            QVERIFY(!data.isEmpty());
            const QStringList violations
                = validatorFor(route).validateResponse(u"get"_s, specPath(route), 200, body);
            for (const QString &v : violations) {
                const auto match = recordIndex.match(v);
                QVERIFY2(match.hasMatch(), qPrintable(route + u": "_s + v));
                const QJsonValue id = data.at(match.captured(1).toInt()).toObject().value("id"_L1);
                // A malformed record may carry its id as a string.
                const qint64 recordId = id.isString() ? id.toString().toLongLong() : id.toInteger();
                QVERIFY2(FakePipedriveServer::isBadRecord(list.entity, recordId),
                    qPrintable(route + u": a good record was flagged: "_s + v));
                ++caught;
            }
        }
        // Type damage (id as string, text as number, null name, ...) must be seen.
        QVERIFY2(caught >= 5, qPrintable(u"only %1 violations caught"_s.arg(caught)));
    }

    // The fake documents where it sends null beyond the spec; each such place must be one this
    // test accepts (kNullTolerances), or the fake claims more than the docs back.
    void fakeDeclaresOnlyToleratedNulls()
    {
        QSet<QString> accepted;
        for (const NullTolerance &t : kNullTolerances)
            accepted.insert(QString::fromLatin1(t.route) + u' ' + QString::fromLatin1(t.path));
        QStringList unbacked;
        const auto declared = pds::test::FakeDataset::nullsBeyondSpec();
        for (auto it = declared.begin(); it != declared.end(); ++it) {
            for (const QString &field : it.value()) {
                const QString path
                    = field.startsWith("additional_data."_L1) ? field : u"data[]."_s + field;
                if (!accepted.contains(it.key() + u' ' + path))
                    unbacked.append(it.key() + u' ' + path);
            }
        }
        unbacked.sort();
        QVERIFY2(unbacked.isEmpty(),
            qPrintable(u"declared but not accepted: "_s + unbacked.join(u", "_s)));
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
