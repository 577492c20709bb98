// Tests of the fake Pipedrive server: auth, both paging styles, filters, every fault switch, the
// test data API, the generator and the standalone program. Requests go through a real
// QNetworkAccessManager against the in-process server; QSignalSpy::wait keeps its loop running.

#include "fakepipedrive.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QUuid>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using pds::test::DatasetSizes;
using pds::test::Entity;
using pds::test::FakeDataset;
using pds::test::FakePipedriveServer;
using pds::test::FieldSet;

namespace {

struct Reply
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QByteArray contentType;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QJsonObject json;
    bool isJson = false;

    QByteArray header(const char *name) const { return headers.value(QByteArray(name)); }
};

Reply finish(QNetworkReply *reply)
{
    QSignalSpy spy(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        spy.wait(15000);
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.error = reply->error();
    r.body = reply->readAll();
    for (const auto &pair : reply->rawHeaderPairs())
        r.headers.insert(pair.first.toLower(), pair.second);
    r.contentType = r.header("content-type");
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(r.body, &parseError);
    r.isJson = parseError.error == QJsonParseError::NoError && doc.isObject();
    r.json = doc.object();
    reply->deleteLater();
    return r;
}

QList<qint64> idsOf(const QJsonArray &data)
{
    QList<qint64> ids;
    for (const auto &v : data)
        ids.append(v.toObject().value(u"id"_s).toInteger());
    return ids;
}

const DatasetSizes kSmall { 8, 30, 120, 80, 150, 60 };

} // namespace

class TestFakePipedrive : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakePipedriveServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;

    QUrl url(const QString &pathAndQuery, const FakePipedriveServer *server = nullptr) const
    {
        return (server ? server : m_server.get())->baseUrl().resolved(QUrl(pathAndQuery));
    }

    Reply get(const QString &pathAndQuery, const QByteArray &token = "test-token")
    {
        QNetworkRequest request(url(pathAndQuery));
        if (!token.isEmpty())
            request.setRawHeader("x-api-token", token);
        return finish(m_nam->get(request));
    }

    Reply send(const QByteArray &verb, const QString &path, const QJsonObject &body = {})
    {
        QNetworkRequest request(url(path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        return finish(m_nam->sendCustomRequest(request, verb, QJsonDocument(body).toJson()));
    }

    // Follows v2 cursors to the end; fails the test on a gap in the envelope.
    QList<qint64> collectV2(
        const QString &path, const QString &query, int limit, int *pages = nullptr)
    {
        QList<qint64> ids;
        QString cursor;
        int count = 0;
        for (;;) {
            QString q = u"%1?limit=%2"_s.arg(path).arg(limit);
            if (!query.isEmpty())
                q += u'&' + query;
            if (!cursor.isEmpty())
                q += u"&cursor="_s + cursor;
            const Reply r = get(q);
            if (r.status != 200)
                return { -1 };
            const QJsonArray data = r.json.value(u"data"_s).toArray();
            if (data.size() > limit)
                return { -2 };
            ids += idsOf(data);
            ++count;
            const QJsonValue next
                = r.json.value(u"additional_data"_s).toObject().value(u"next_cursor"_s);
            if (next.isNull())
                break;
            cursor = next.toString();
            if (cursor.isEmpty() || count > 10000)
                return { -3 };
        }
        if (pages)
            *pages = count;
        return ids;
    }

    QList<qint64> collectNotes(const QString &query, int limit, int *pages = nullptr)
    {
        QList<qint64> ids;
        int start = 0;
        int count = 0;
        for (;;) {
            QString q = u"/api/v1/notes?start=%1&limit=%2"_s.arg(start).arg(limit);
            if (!query.isEmpty())
                q += u'&' + query;
            const Reply r = get(q);
            if (r.status != 200)
                return { -1 };
            ids += idsOf(r.json.value(u"data"_s).toArray());
            ++count;
            const QJsonObject p
                = r.json.value(u"additional_data"_s).toObject().value(u"pagination"_s).toObject();
            if (p.value(u"start"_s).toInt() != start || p.value(u"limit"_s).toInt() != limit)
                return { -2 };
            if (!p.value(u"more_items_in_collection"_s).toBool())
                break;
            start = p.value(u"next_start"_s).toInt();
        }
        if (pages)
            *pages = count;
        return ids;
    }

    QList<qint64> expectedIds(
        Entity entity, const std::function<bool(const QJsonObject &)> &keep = {})
    {
        QList<qint64> ids;
        for (const auto &r : m_server->dataset().table(entity)) {
            if (!keep || keep(r.json))
                ids.append(r.id);
        }
        return ids;
    }

private slots:
    void init()
    {
        m_server = std::make_unique<FakePipedriveServer>();
        m_server->generate(7, kSmall);
        QVERIFY(m_server->listen() != 0);
        m_nam = std::make_unique<QNetworkAccessManager>();
    }

    void cleanup()
    {
        m_nam.reset();
        m_server.reset();
    }

    void rejectsMissingOrWrongTokenWith401()
    {
        for (const QByteArray &token : { QByteArray(), QByteArray("wrong") }) {
            const Reply r = get(u"/api/v2/persons"_s, token);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.json,
                (QJsonObject { { u"success"_s, false }, { u"error"_s, u"unauthorized access"_s },
                    { u"errorCode"_s, 401 } }));
            QVERIFY(!r.header("x-ratelimit-limit").isEmpty());
        }
        QCOMPARE(get(u"/api/v2/persons?api_token=test-token"_s, {}).status, 200);
        QCOMPARE(get(u"/api/v2/persons"_s).status, 200);
        m_server->setApiToken(u"other"_s);
        QCOMPARE(get(u"/api/v2/persons"_s).status, 401);
        QCOMPARE(get(u"/api/v2/persons"_s, "other").status, 200);
        for (const QString &line : m_server->requestLog())
            QVERIFY2(!line.contains(u"test-token"_s), qPrintable(line));
        QCOMPARE(m_server->requestCount(), 6);
    }

    void unknownPathGets404Envelope()
    {
        const Reply r = get(u"/api/v2/nothing-here"_s);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.json.value(u"success"_s), QJsonValue(false));
        QVERIFY(r.json.contains(u"error"_s));
        QVERIFY(r.json.value(u"data"_s).isNull());
        QCOMPARE(m_server->tokensSpent(), 0);
    }

    void usersMeCarriesTheCompany()
    {
        const Reply r = get(u"/api/v1/users/me"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject me = r.json.value(u"data"_s).toObject();
        QCOMPARE(me.value(u"id"_s).toInteger(), 1);
        QCOMPARE(me.value(u"is_you"_s), QJsonValue(true));
        QCOMPARE(me.value(u"company_domain"_s).toString(), u"fake-company"_s);
        QVERIFY(me.value(u"company_id"_s).isDouble());
        QVERIFY(!me.value(u"company_name"_s).toString().isEmpty());
        QCOMPARE(m_server->tokensSpent(), 2);
    }

    void usersListIsUnpagedAndHasAwkwardUsers()
    {
        const Reply r = get(u"/api/v1/users"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json.contains(u"additional_data"_s));
        const QJsonArray users = r.json.value(u"data"_s).toArray();
        QCOMPARE(users.size(), kSmall.users);
        QStringList emails;
        int inactive = 0;
        for (const auto &v : users) {
            const QJsonObject u = v.toObject();
            emails.append(u.value(u"email"_s).toString());
            QVERIFY(u.value(u"access"_s).isArray());
            QVERIFY(u.value(u"active_flag"_s).isBool());
            QVERIFY(u.value(u"is_deleted"_s).isBool());
            if (!u.value(u"active_flag"_s).toBool())
                ++inactive;
        }
        QVERIFY(inactive >= 2);
        // Two users whose e-mails differ only in case.
        QVERIFY(emails.contains(u"Dana.Miller@Fake-Company.example"_s));
        QVERIFY(emails.contains(u"dana.miller@fake-company.example"_s));
        QCOMPARE(m_server->tokensSpent(), 20);
    }

    void v2CursorPagingVisitsEveryRecordOnce_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("entity");
        QTest::newRow("persons") << u"/api/v2/persons"_s << QString() << int(Entity::Persons);
        QTest::newRow("organizations")
            << u"/api/v2/organizations"_s << QString() << int(Entity::Organizations);
        QTest::newRow("activities")
            << u"/api/v2/activities"_s << QString() << int(Entity::Activities);
        QTest::newRow("persons by update_time")
            << u"/api/v2/persons"_s << u"sort_by=update_time"_s << int(Entity::Persons);
        QTest::newRow("activities newest first")
            << u"/api/v2/activities"_s << u"sort_by=update_time&sort_direction=desc"_s
            << int(Entity::Activities);
        QTest::newRow("deals by add_time")
            << u"/api/v2/deals"_s << u"sort_by=add_time&status=open,won,lost,deleted"_s
            << int(Entity::Deals);
        QTest::newRow("organizations by id desc")
            << u"/api/v2/organizations"_s << u"sort_direction=desc"_s << int(Entity::Organizations);
    }

    void v2CursorPagingVisitsEveryRecordOnce()
    {
        QFETCH(QString, path);
        QFETCH(QString, query);
        QFETCH(int, entity);
        int pages = 0;
        QList<qint64> ids = collectV2(path, query, 7, &pages);
        const QList<qint64> expected = expectedIds(Entity(entity), [](const QJsonObject &r) {
            return !r.value(u"is_archived"_s).toBool(); // archived deals have their own route
        });
        QCOMPARE(pages, int((expected.size() + 6) / 7));
        QCOMPARE(QSet<qint64>(ids.cbegin(), ids.cend()).size(), ids.size()); // no duplicates
        // The order is the one asked for.
        const auto &table = m_server->dataset().table(Entity(entity));
        auto keyOf = [&](qint64 id) {
            const FakeDataset::Record *r = m_server->dataset().find(Entity(entity), id);
            if (query.contains(u"update_time"_s))
                return std::pair(r->updateSecs, id);
            return query.contains(u"add_time"_s) ? std::pair(r->addSecs, id) : std::pair(id, id);
        };
        const bool desc = query.contains(u"desc"_s);
        for (int i = 1; i < ids.size(); ++i)
            QVERIFY(desc ? keyOf(ids.at(i - 1)) > keyOf(ids.at(i))
                         : keyOf(ids.at(i - 1)) < keyOf(ids.at(i)));
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, expected); // no gaps
        QVERIFY(table.size() >= expected.size());
    }

    void v2DefaultPageIs100AndMaxIs500()
    {
        m_server->generate(3, { 6, 10, 620, 10, 10, 10 });
        Reply r = get(u"/api/v2/persons"_s);
        QCOMPARE(r.json.value(u"data"_s).toArray().size(), 100);
        r = get(u"/api/v2/persons?limit=500"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(u"data"_s).toArray().size(), 500);
        int pages = 0;
        QCOMPARE(collectV2(u"/api/v2/persons"_s, {}, 500, &pages).size(), 620);
        QCOMPARE(pages, 2);
    }

    void limitAbove500IsRejected_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("v2 persons") << u"/api/v2/persons?limit=501"_s;
        QTest::newRow("v2 deals") << u"/api/v2/deals?limit=1000"_s;
        QTest::newRow("v2 fields") << u"/api/v2/dealFields?limit=501"_s;
        QTest::newRow("v1 notes") << u"/api/v1/notes?limit=501"_s;
    }

    void limitAbove500IsRejected()
    {
        QFETCH(QString, path);
        const Reply r = get(path);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json.value(u"success"_s), QJsonValue(false));
        QVERIFY(r.json.value(u"error"_s).toString().contains(u"limit"_s));
        QCOMPARE(m_server->tokensSpent(), 0);
    }

    void v1OffsetPagingVisitsEveryNoteOnce()
    {
        int pages = 0;
        QList<qint64> ids = collectNotes({}, 9, &pages);
        const QList<qint64> expected = expectedIds(Entity::Notes);
        QCOMPARE(ids, expected); // default order: id ascending
        QCOMPARE(pages, int((expected.size() + 8) / 9));

        ids = collectNotes(u"sort=update_time%20DESC"_s, 11);
        QCOMPARE(ids.size(), expected.size());
        for (int i = 1; i < ids.size(); ++i) {
            QVERIFY(m_server->dataset().find(Entity::Notes, ids.at(i - 1))->updateSecs
                >= m_server->dataset().find(Entity::Notes, ids.at(i))->updateSecs);
        }
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, expected);
    }

    void notesCarryConvenienceObjects()
    {
        const Reply r = get(u"/api/v1/notes?limit=3"_s);
        const QJsonArray data = r.json.value(u"data"_s).toArray();
        const QJsonObject first = data.at(0).toObject(); // note 1: deal 1, person 1, org 1
        QCOMPARE(first.value(u"deal"_s).toObject().value(u"title"_s).toString(),
            m_server->dataset().record(Entity::Deals, 1).value(u"title"_s).toString());
        QCOMPARE(
            first.value(u"person"_s).toObject().value(u"name"_s).toString(), u"Anna Schmidt"_s);
        QCOMPARE(
            first.value(u"organization"_s).toObject().value(u"name"_s).toString(), u"Acme GmbH"_s);
        const QJsonObject user = first.value(u"user"_s).toObject();
        QCOMPARE(user.value(u"is_you"_s), QJsonValue(true));
        QVERIFY(
            user.contains(u"email"_s) && user.contains(u"icon_url"_s) && user.contains(u"name"_s));
        const QJsonObject second = data.at(1).toObject(); // note 2: a lead only
        QVERIFY(QUuid::fromString(second.value(u"lead_id"_s).toString()).isNull() == false);
        QVERIFY(second.value(u"deal_id"_s).isNull());
        QVERIFY(second.value(u"person_id"_s).isNull());
        QVERIFY(QRegularExpression(u"^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$"_s)
                    .match(first.value(u"update_time"_s).toString())
                    .hasMatch());
    }

    void updatedSinceAndUntilFilter()
    {
        QList<qint64> times;
        for (const auto &r : m_server->dataset().table(Entity::Persons))
            times.append(r.updateSecs);
        std::sort(times.begin(), times.end());
        const qint64 since = times.at(times.size() / 2);
        const qint64 until = times.at(times.size() * 3 / 4);
        auto between = [&](const QJsonObject &p, qint64 lo, qint64 hi) {
            const qint64 t = pds::test::parseTime(p.value(u"update_time"_s).toString()).value_or(0);
            return t >= lo && t < hi;
        };
        const QString sinceText = pds::test::v2Time(since);
        QList<qint64> ids = collectV2(u"/api/v2/persons"_s, u"updated_since="_s + sinceText, 5);
        QCOMPARE(ids, expectedIds(Entity::Persons, [&](const QJsonObject &p) {
            return between(p, since, std::numeric_limits<qint64>::max());
        }));
        QVERIFY(!ids.isEmpty());
        ids = collectV2(u"/api/v2/persons"_s,
            u"sort_by=update_time&updated_since=%1&updated_until=%2"_s.arg(
                sinceText, pds::test::v2Time(until)),
            4);
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, expectedIds(Entity::Persons, [&](const QJsonObject &p) {
            return between(p, since, until);
        }));

        // v1 notes take an RFC 3339 updated_since too (inclusive).
        QList<qint64> noteTimes;
        for (const auto &r : m_server->dataset().table(Entity::Notes))
            noteTimes.append(r.updateSecs);
        std::sort(noteTimes.begin(), noteTimes.end());
        const qint64 noteSince = noteTimes.at(noteTimes.size() / 3);
        const QList<qint64> notes
            = collectNotes(u"updated_since="_s + pds::test::v2Time(noteSince), 10);
        QList<qint64> expectedNotes;
        for (const auto &r : m_server->dataset().table(Entity::Notes)) {
            if (r.updateSecs >= noteSince)
                expectedNotes.append(r.id);
        }
        QCOMPARE(notes, expectedNotes);
        QCOMPARE(get(u"/api/v2/persons?updated_since=yesterday"_s).status, 400);
    }

    void dealsStatusFilterAndArchivedRoute()
    {
        auto statusOf = [](const QJsonObject &d) {
            return d.value(u"status"_s).toString();
        };
        auto archived = [](const QJsonObject &d) {
            return d.value(u"is_archived"_s).toBool();
        };

        QList<qint64> ids = collectV2(u"/api/v2/deals"_s, {}, 10);
        QCOMPARE(ids, expectedIds(Entity::Deals, [&](const QJsonObject &d) {
            return statusOf(d) != u"deleted" && !archived(d);
        }));
        ids = collectV2(u"/api/v2/deals"_s, u"status=deleted"_s, 10);
        QVERIFY(!ids.isEmpty());
        QCOMPARE(ids, expectedIds(Entity::Deals, [&](const QJsonObject &d) {
            return statusOf(d) == u"deleted" && !archived(d);
        }));
        ids = collectV2(u"/api/v2/deals"_s, u"status=won,lost"_s, 10);
        QCOMPARE(ids, expectedIds(Entity::Deals, [&](const QJsonObject &d) {
            return (statusOf(d) == u"won" || statusOf(d) == u"lost") && !archived(d);
        }));
        ids = collectV2(u"/api/v2/deals/archived"_s, {}, 10);
        QVERIFY(!ids.isEmpty());
        QCOMPARE(ids, expectedIds(Entity::Deals, [&](const QJsonObject &d) {
            return statusOf(d) != u"deleted" && archived(d);
        }));
        QCOMPARE(get(u"/api/v2/deals?status=sleeping"_s).status, 400);

        // Archived deals cost 20 tokens a page, plain lists 10.
        m_server->resetCounters();
        get(u"/api/v2/deals/archived?limit=1"_s);
        QCOMPARE(m_server->tokensSpent(), 20);
        get(u"/api/v2/deals?limit=1"_s);
        QCOMPARE(m_server->tokensSpent(), 30);
    }

    void includeFieldsCountsMatchDealsAndActivities()
    {
        QHash<qint64, int> open, closed, activities;
        for (const auto &r : m_server->dataset().table(Entity::Deals)) {
            const QString status = r.json.value(u"status"_s).toString();
            if (status == u"deleted" || r.json.value(u"is_archived"_s).toBool())
                continue;
            const qint64 p = r.json.value(u"person_id"_s).toInteger();
            if (status == u"open")
                ++open[p];
            else
                ++closed[p];
        }
        for (const auto &r : m_server->dataset().table(Entity::Activities))
            ++activities[r.json.value(u"person_id"_s).toInteger()];
        const Reply r = get(
            u"/api/v2/persons?limit=500&include_fields=open_deals_count,closed_deals_count,activities_count"_s);
        QCOMPARE(r.status, 200);
        int withDeals = 0;
        for (const auto &v : r.json.value(u"data"_s).toArray()) {
            const QJsonObject p = v.toObject();
            const qint64 id = p.value(u"id"_s).toInteger();
            QCOMPARE(p.value(u"open_deals_count"_s).toInt(-1), open.value(id));
            QCOMPARE(p.value(u"closed_deals_count"_s).toInt(-1), closed.value(id));
            QCOMPARE(p.value(u"activities_count"_s).toInt(-1), activities.value(id));
            withDeals += open.value(id) + closed.value(id) > 0;
        }
        QVERIFY(withDeals > 0);
        // Without include_fields the counts are absent, as in Pipedrive.
        const QJsonObject plain
            = get(u"/api/v2/persons?limit=1"_s).json.value(u"data"_s).toArray().at(0).toObject();
        QVERIFY(!plain.contains(u"open_deals_count"_s));
    }

    void includeFieldsOutsideTheSpecEnumAreRejected()
    {
        QCOMPARE(get(u"/api/v2/persons?include_fields=bogus"_s).status, 400);
        QCOMPARE(get(u"/api/v2/activities?include_fields=open_deals_count"_s).status, 400);
        const Reply r = get(u"/api/v2/deals?limit=1&include_fields=activities_count,notes_count"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject deal = r.json.value(u"data"_s).toArray().at(0).toObject();
        int activities = 0;
        for (const auto &a : m_server->dataset().table(Entity::Activities))
            activities += a.json.value(u"deal_id"_s).toInteger() == deal.value(u"id"_s).toInteger();
        QCOMPARE(deal.value(u"activities_count"_s).toInt(-1), activities);
        QVERIFY(deal.value(u"notes_count"_s).toInt(-1) >= 1); // deal 1 has note 1
    }

    void fieldsEndpointsArePagedAndDescribeCustomFields()
    {
        QStringList types;
        QStringList codes;
        QString cursor;
        int pages = 0;
        do {
            const Reply r = get(u"/api/v2/dealFields?limit=5"_s
                + (cursor.isEmpty() ? QString() : u"&cursor="_s + cursor));
            QCOMPARE(r.status, 200);
            for (const auto &v : r.json.value(u"data"_s).toArray()) {
                const QJsonObject f = v.toObject();
                codes.append(f.value(u"field_code"_s).toString());
                if (f.value(u"is_custom_field"_s).toBool()) {
                    types.append(f.value(u"field_type"_s).toString());
                    QCOMPARE(f.value(u"field_code"_s).toString().size(), 40);
                    if (f.value(u"field_type"_s) == u"enum"_s)
                        QVERIFY(f.value(u"options"_s)
                                    .toArray()
                                    .at(0)
                                    .toObject()
                                    .value(u"id"_s)
                                    .isDouble());
                }
            }
            cursor
                = r.json.value(u"additional_data"_s).toObject().value(u"next_cursor"_s).toString();
            ++pages;
        } while (!cursor.isEmpty());
        QVERIFY(pages > 2);
        for (const QString &t :
            { u"varchar"_s, u"double"_s, u"enum"_s, u"set"_s, u"monetary"_s, u"date"_s })
            QVERIFY2(types.contains(t), qPrintable(t));
        QCOMPARE(codes.size(), m_server->dataset().fields(FieldSet::Deal).size());
        // Deals carry their custom values under the same keys.
        const QJsonObject custom
            = m_server->dataset().record(Entity::Deals, 1).value(u"custom_fields"_s).toObject();
        QVERIFY(
            custom.contains(m_server->dataset().customFieldKey(FieldSet::Deal, u"Deal source"_s)));
        for (const QString &key : custom.keys())
            QVERIFY(codes.contains(key));
        // noteFields: v1 offset paging.
        const Reply notes = get(u"/api/v1/noteFields?limit=4"_s);
        const QJsonObject pagination
            = notes.json.value(u"additional_data"_s).toObject().value(u"pagination"_s).toObject();
        QCOMPARE(pagination.value(u"more_items_in_collection"_s), QJsonValue(true));
        QCOMPARE(pagination.value(u"next_start"_s).toInt(), 4);
        for (const QString &path : { u"/api/v2/personFields"_s, u"/api/v2/organizationFields"_s,
                 u"/api/v2/activityFields"_s, u"/api/v2/pipelines"_s, u"/api/v2/stages"_s,
                 u"/api/v1/activityTypes"_s })
            QVERIFY2(get(path).status == 200, qPrintable(path));
    }

    void fail429CarriesRetryAfterAndOverLimitBody()
    {
        m_server->failNext429(2, 7);
        for (int i = 0; i < 2; ++i) {
            const Reply r = get(u"/api/v2/persons"_s);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.header("retry-after"), QByteArray("7"));
            QCOMPARE(r.header("x-ratelimit-remaining"), QByteArray("0"));
            QCOMPARE(r.json,
                (QJsonObject { { u"success"_s, false }, { u"error"_s, u"Request over limit"_s },
                    { u"error_info"_s, u"Please check developers.pipedrive.com"_s },
                    { u"data"_s, QJsonValue::Null }, { u"additional_data"_s, QJsonValue::Null } }));
        }
        QCOMPARE(get(u"/api/v2/persons"_s).status, 200);
        QCOMPARE(m_server->tokensSpent(), 10);
    }

    void faultsStartAfterTheGivenNumberOfRequests()
    {
        m_server->failNextServerError(1, 503, 2);
        QList<int> statuses;
        for (int i = 0; i < 4; ++i)
            statuses.append(get(u"/api/v1/users/me"_s).status);
        QCOMPARE(statuses, (QList<int> { 200, 200, 503, 200 }));

        m_server->failNextServerError(2, 500, 1);
        statuses.clear();
        for (int i = 0; i < 4; ++i)
            statuses.append(get(u"/api/v1/users/me"_s).status);
        QCOMPARE(statuses, (QList<int> { 200, 500, 500, 200 }));
    }

    void dailyBudgetRunsOutWith429()
    {
        m_server->setDailyBudget(25);
        Reply r = get(u"/api/v2/persons?limit=1"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-daily-ratelimit-token-limit"), QByteArray("25"));
        QCOMPARE(r.header("x-daily-ratelimit-token-remaining"), QByteArray("15"));
        QCOMPARE(get(u"/api/v2/persons?limit=1"_s).header("x-daily-ratelimit-token-remaining"),
            QByteArray("5"));
        QCOMPARE(get(u"/api/v2/persons?limit=1"_s).status, 200); // overdraws the last tokens
        for (const QString &path : { u"/api/v2/persons"_s, u"/api/v1/users/me"_s }) {
            r = get(path);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.header("x-daily-ratelimit-token-remaining"), QByteArray("0"));
            QCOMPARE(r.json.value(u"error"_s).toString(), u"Request over limit"_s);
            QVERIFY(r.header("retry-after").toInt() >= 1);
        }
        QCOMPARE(m_server->tokensSpent(), 30);
        m_server->setDailyBudget(0);
        r = get(u"/api/v1/users/me"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.headers.contains("x-daily-ratelimit-token-remaining"));
    }

    void burstLimiterIsARollingWindow()
    {
        m_server->setBurstLimit(3);
        QList<int> statuses;
        Reply last;
        for (int i = 0; i < 4; ++i) {
            last = get(u"/api/v1/users/me"_s);
            statuses.append(last.status);
        }
        QCOMPARE(statuses, (QList<int> { 200, 200, 200, 429 }));
        QCOMPARE(last.header("x-ratelimit-limit"), QByteArray("3"));
        QCOMPARE(last.header("x-ratelimit-remaining"), QByteArray("0"));
        QVERIFY(last.header("retry-after").toInt() >= 1);
        QVERIFY(last.header("retry-after").toInt() <= 2);
        // The window rolls on: requests get through again once it has passed. QTRY evaluates
        // its condition again after success, so the request is made only until one passes:
        // each extra request would fill the window anew and could be refused.
        int status = last.status;
        const auto passes = [&] {
            if (status != 200)
                status = get(u"/api/v1/users/me"_s).status;
            return status == 200;
        };
        QTRY_VERIFY_WITH_TIMEOUT(passes(), 10000);
    }

    void rateLimitHeadersOnEveryResponse()
    {
        const Reply first = get(u"/api/v1/users/me"_s);
        const Reply second = get(u"/api/v1/users/me"_s);
        QVERIFY(!first.header("x-ratelimit-limit").isEmpty());
        QVERIFY(!first.header("x-ratelimit-reset").isEmpty());
        QVERIFY(second.header("x-ratelimit-remaining").toInt()
            < first.header("x-ratelimit-remaining").toInt());
        QVERIFY(!get(u"/api/v2/unknown"_s).header("x-ratelimit-remaining").isEmpty());
    }

    void droppedConnectionGivesANetworkError()
    {
        // QNAM resends on its own after some drops (its channel's reconnect attempts), so arm
        // enough drops to outlast them, then disarm what is left.
        m_server->dropNextConnections(3);
        const Reply r = get(u"/api/v2/persons"_s);
        QCOMPARE(r.status, 0);
        QCOMPARE(r.error, QNetworkReply::RemoteHostClosedError);
        QVERIFY(m_server->requestCount() >= 1 && m_server->requestCount() <= 3);
        QCOMPARE(m_server->tokensSpent(), 0);
        m_server->dropNextConnections(0);
        QCOMPARE(get(u"/api/v2/persons"_s).status, 200);
        QCOMPARE(m_server->tokensSpent(), 10);
    }

    void cutBodyAnnouncesMoreThanItSends()
    {
        m_server->cutNextBodies(1, 1);
        QCOMPARE(get(u"/api/v2/persons?limit=50"_s).status, 200);
        const Reply r = get(u"/api/v2/persons?limit=50"_s);
        QVERIFY(r.error != QNetworkReply::NoError);
        QVERIFY(!r.isJson);
        const Reply again = get(u"/api/v2/persons?limit=50"_s);
        QCOMPARE(again.status, 200);
        QVERIFY(again.isJson);
        QVERIFY(r.body.size() < again.body.size());
    }

    void html403LooksLikeCloudflare()
    {
        m_server->failNextHtml403(1);
        const Reply r = get(u"/api/v2/persons"_s);
        QCOMPARE(r.status, 403);
        QVERIFY(r.contentType.startsWith("text/html"));
        QVERIFY(r.body.contains("Cloudflare"));
        QVERIFY(!r.isJson);
        QCOMPARE(get(u"/api/v2/persons"_s).status, 200);
    }

    void latencyDelaysTheAnswer()
    {
        // Ordering, not timing: the slow server's answer, asked first, arrives second.
        FakePipedriveServer fast;
        fast.generate(7, kSmall);
        QVERIFY(fast.listen() != 0);
        m_server->setLatencyMs(600);
        QStringList order;
        QNetworkRequest slowRequest(url(u"/api/v1/users/me"_s));
        slowRequest.setRawHeader("x-api-token", "test-token");
        QNetworkRequest fastRequest(url(u"/api/v1/users/me"_s, &fast));
        fastRequest.setRawHeader("x-api-token", "test-token");
        QNetworkReply *slow = m_nam->get(slowRequest);
        connect(slow, &QNetworkReply::finished, this, [&] { order.append(u"slow"_s); });
        QNetworkReply *quick = m_nam->get(fastRequest);
        connect(quick, &QNetworkReply::finished, this, [&] { order.append(u"fast"_s); });
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 2, 15000);
        QCOMPARE(order, (QStringList { u"fast"_s, u"slow"_s }));
        QCOMPARE(slow->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        slow->deleteLater();
        quick->deleteLater();
    }

    void keepAliveReusesOneConnection()
    {
        QVERIFY(!m_server->servers().isEmpty());
        int connections = 0;
        connect(m_server->servers().constFirst(), &QTcpServer::newConnection, this,
            [&] { ++connections; });
        for (int i = 0; i < 5; ++i)
            QCOMPARE(get(u"/api/v2/persons?limit=20"_s).status, 200);
        QCOMPARE(connections, 1);
    }

    void countersAndRequestLog()
    {
        get(u"/api/v1/users/me"_s);
        get(u"/api/v2/pipelines"_s);
        get(u"/api/v2/dealFields"_s);
        get(u"/api/v1/notes?limit=5&api_token=test-token"_s, {});
        get(u"/api/v1/noteFields"_s);
        QCOMPARE(m_server->requestCount(), 5);
        QCOMPARE(m_server->tokensSpent(), 2 + 5 + 10 + 20 + 20);
        const QStringList log = m_server->requestLog();
        QCOMPARE(log.size(), 5);
        QCOMPARE(log.at(0), u"/api/v1/users/me"_s);
        QCOMPARE(log.at(3), u"/api/v1/notes?limit=5"_s);
        // Test API calls are not API traffic.
        send("GET", u"/__test/stats"_s);
        QCOMPARE(m_server->requestCount(), 5);
    }

    void testDataApiInCpp()
    {
        FakePipedriveServer &s = *m_server;
        const QString before
            = s.dataset().record(Entity::Persons, 5).value(u"update_time"_s).toString();
        QVERIFY(s.updateRecord(Entity::Persons, 5, { { u"name"_s, u"Eva Renamed"_s } }));
        const QJsonObject after = s.dataset().record(Entity::Persons, 5);
        QCOMPARE(after.value(u"name"_s).toString(), u"Eva Renamed"_s);
        QVERIFY(pds::test::parseTime(after.value(u"update_time"_s).toString()).value()
            > pds::test::parseTime(before).value());
        // An immediate second update is still strictly later.
        QVERIFY(s.updateRecord(Entity::Persons, 5, { { u"first_name"_s, u"Eva"_s } }));
        QVERIFY(s.dataset().find(Entity::Persons, 5)->updateSecs
            > pds::test::parseTime(after.value(u"update_time"_s).toString()).value());

        // The change shows in an incremental read.
        const QList<qint64> changed = collectV2(u"/api/v2/persons"_s,
            u"updated_since="_s + after.value(u"update_time"_s).toString(), 100);
        QCOMPARE(changed, QList<qint64> { 5 });

        const qint64 id = s.addRecord(Entity::Persons, { { u"name"_s, u"New Person"_s } });
        QVERIFY(
            id > s.dataset().table(Entity::Persons).at(s.dataset().count(Entity::Persons) - 2).id);
        const QJsonObject added = s.dataset().record(Entity::Persons, id);
        QCOMPARE(added.value(u"name"_s).toString(), u"New Person"_s);
        QVERIFY(added.value(u"emails"_s).isArray());
        // What Pipedrive fills in on create: owner = the token's user, names split, visibility.
        QCOMPARE(added.value(u"owner_id"_s).toInteger(), 1);
        QCOMPARE(added.value(u"first_name"_s).toString(), u"New"_s);
        QCOMPARE(added.value(u"last_name"_s).toString(), u"Person"_s);
        QCOMPARE(added.value(u"visible_to"_s).toInt(), 3);
        const QJsonObject deal = s.dataset().record(
            Entity::Deals, s.addRecord(Entity::Deals, { { u"title"_s, u"D"_s } }));
        QCOMPARE(deal.value(u"pipeline_id"_s).toInteger(), 1);
        QCOMPARE(deal.value(u"stage_id"_s).toInteger(), 1);
        QCOMPARE(deal.value(u"status"_s).toString(), u"open"_s);
        QCOMPARE(deal.value(u"currency"_s).toString(), u"EUR"_s);
        QVERIFY(deal.value(u"value"_s).isDouble());
        QVERIFY(added.contains(u"org_id"_s));
        QVERIFY(!added.value(u"add_time"_s).toString().isEmpty());

        QVERIFY(s.deleteRecord(Entity::Persons, id));
        QVERIFY(!collectV2(u"/api/v2/persons"_s, {}, 500).contains(id));
        QVERIFY(!s.deleteRecord(Entity::Persons, id));

        // A deleted deal stays readable with status=deleted.
        QVERIFY(s.deleteRecord(Entity::Deals, 1));
        QVERIFY(!collectV2(u"/api/v2/deals"_s, {}, 500).contains(1));
        QVERIFY(collectV2(u"/api/v2/deals"_s, u"status=deleted"_s, 500).contains(1));
        QCOMPARE(s.dataset().record(Entity::Deals, 1).value(u"is_deleted"_s), QJsonValue(true));

        // Notes follow renames of what they link to.
        QVERIFY(s.updateRecord(Entity::Persons, 1, { { u"name"_s, u"Anna Renamed"_s } }));
        const QJsonObject note
            = get(u"/api/v1/notes?limit=1"_s).json.value(u"data"_s).toArray().at(0).toObject();
        QCOMPARE(note.value(u"person"_s).toObject().value(u"name"_s).toString(), u"Anna Renamed"_s);
        QVERIFY(!s.updateRecord(Entity::Persons, 999999, {}));
    }

    void testDataApiOverHttp()
    {
        Reply r = send(
            "POST", u"/__test/records/organizations"_s, { { u"name"_s, u"Added Over HTTP"_s } });
        QCOMPARE(r.status, 200);
        const qint64 id = r.json.value(u"data"_s).toObject().value(u"id"_s).toInteger();
        QVERIFY(id > 0);
        QCOMPARE(m_server->dataset().record(Entity::Organizations, id).value(u"name"_s).toString(),
            u"Added Over HTTP"_s);
        r = send("PATCH", u"/__test/records/organizations/%1"_s.arg(id),
            { { u"name"_s, u"Patched"_s } });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(u"data"_s).toObject().value(u"name"_s).toString(), u"Patched"_s);
        QCOMPARE(send("DELETE", u"/__test/records/organizations/%1"_s.arg(id)).status, 200);
        QVERIFY(!m_server->dataset().find(Entity::Organizations, id));
        QCOMPARE(send("DELETE", u"/__test/records/organizations/%1"_s.arg(id)).status, 404);
        QCOMPARE(send("POST", u"/__test/records/unicorns"_s, {}).status, 404);

        r = send("POST", u"/__test/faults"_s,
            { { u"fail_429"_s,
                  QJsonObject { { u"count"_s, 1 }, { u"retry_after"_s, 3 }, { u"after"_s, 1 } } },
                { u"daily_budget"_s, 1000 } });
        QCOMPARE(r.status, 200);
        QCOMPARE(m_server->faultPlan().dailyBudget, 1000);
        QCOMPARE(get(u"/api/v1/users/me"_s).status, 200);
        const Reply limited = get(u"/api/v1/users/me"_s);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.header("retry-after"), QByteArray("3"));

        r = send("GET", u"/__test/stats"_s);
        const QJsonObject stats = r.json.value(u"data"_s).toObject();
        QCOMPARE(stats.value(u"request_count"_s).toInt(), 2);
        QCOMPARE(stats.value(u"tokens_spent"_s).toInt(), 2);
        QCOMPARE(stats.value(u"request_log"_s).toArray().size(), 2);

        QCOMPARE(send("POST", u"/__test/reset"_s).status, 200);
        QCOMPARE(m_server->requestCount(), 0);
        QCOMPARE(m_server->faultPlan().dailyBudget, 0);
    }

    void generatorIsDeterministic()
    {
        const FakeDataset a = FakeDataset::generate(1234, kSmall);
        const FakeDataset b = FakeDataset::generate(1234, kSmall);
        const FakeDataset c = FakeDataset::generate(4321, kSmall);
        bool differs = false;
        for (Entity e : { Entity::Users, Entity::Organizations, Entity::Persons, Entity::Deals,
                 Entity::Activities, Entity::Notes, Entity::Pipelines, Entity::Stages,
                 Entity::ActivityTypes }) {
            QCOMPARE(a.records(e), b.records(e));
            differs = differs || a.records(e) != c.records(e);
        }
        QVERIFY(differs);
        QCOMPARE(a.fields(FieldSet::Deal), b.fields(FieldSet::Deal));
        QCOMPARE(a.count(Entity::Persons), kSmall.persons);
        QCOMPARE(a.count(Entity::Activities), kSmall.activities);
        const DatasetSizes sizes = DatasetSizes::fromTotal(991);
        QCOMPARE(sizes.users, 6);
        QCOMPARE(sizes.persons, 300);
        QCOMPARE(sizes.activities, 400);
    }

    void defaultDatasetHasTheAwkwardCases()
    {
        const FakeDataset data = FakeDataset::generate(42, DatasetSizes());
        // Persons.
        int noEmail = 0, primaryNotFirst = 0;
        QHash<QString, int> normalised;
        QSet<QString> raw;
        bool emoji = false, sql = false, longName = false;
        for (const auto &r : data.table(Entity::Persons)) {
            const QJsonArray emails = r.json.value(u"emails"_s).toArray();
            noEmail += emails.isEmpty();
            if (emails.size() > 1 && !emails.at(0).toObject().value(u"primary"_s).toBool())
                ++primaryNotFirst;
            for (const auto &e : emails) {
                const QString v = e.toObject().value(u"value"_s).toString();
                raw.insert(v);
                ++normalised[v.trimmed().toLower()];
            }
            const QString name = r.json.value(u"name"_s).toString();
            emoji = emoji || name.contains(u"😀"_s);
            sql = sql || name.contains(u"DROP TABLE"_s);
            longName = longName || name.size() > 255;
        }
        QVERIFY(noEmail > 0);
        QVERIFY(primaryNotFirst > 0);
        QVERIFY(normalised.value(u"shared@example.com"_s) >= 3);
        QVERIFY(raw.contains(u"  Shared@Example.COM "_s)); // differs only by case and spaces
        QVERIFY(emoji && sql && longName);

        // Organizations sharing a name.
        QHash<QString, int> orgNames;
        for (const auto &r : data.table(Entity::Organizations))
            ++orgNames[r.json.value(u"name"_s).toString()];
        QVERIFY(orgNames.value(u"Globex Corporation"_s) >= 2);

        // Deals.
        QSet<QString> statuses, currencies, stageNames;
        bool noOrgNoPerson = false, archived = false, lostReason = false;
        QSet<qint64> pipelines;
        for (const auto &r : data.table(Entity::Deals)) {
            statuses.insert(r.json.value(u"status"_s).toString());
            currencies.insert(r.json.value(u"currency"_s).toString());
            pipelines.insert(r.json.value(u"pipeline_id"_s).toInteger());
            noOrgNoPerson = noOrgNoPerson
                || (r.json.value(u"org_id"_s).isNull() && r.json.value(u"person_id"_s).isNull());
            archived = archived || r.json.value(u"is_archived"_s).toBool();
            lostReason = lostReason || !r.json.value(u"lost_reason"_s).toString().isEmpty();
        }
        for (const auto &r : data.table(Entity::Stages))
            stageNames.insert(r.json.value(u"name"_s).toString());
        QCOMPARE(statuses, (QSet<QString> { u"open"_s, u"won"_s, u"lost"_s, u"deleted"_s }));
        QVERIFY(currencies.size() >= 4);
        QCOMPARE(pipelines.size(), 2);
        QVERIFY(noOrgNoPerson && archived && lostReason);
        for (const QString &s : { u"Qualified"_s, u"Demo scheduled"_s, u"Proposal made"_s,
                 u"Negotiations started"_s, u"Contract sent"_s, u"Lead in"_s })
            QVERIFY2(stageNames.contains(s), qPrintable(s));

        // Activities: linked to a deal, a person only, an organization only, nothing.
        bool toDeal = false, toPersonOnly = false, toOrgOnly = false, toNothing = false,
             dueTime = false, noDueTime = false, done = false;
        QSet<QString> types;
        for (const auto &r : data.table(Entity::Activities)) {
            const bool d = !r.json.value(u"deal_id"_s).isNull(),
                       p = !r.json.value(u"person_id"_s).isNull(),
                       o = !r.json.value(u"org_id"_s).isNull();
            toDeal = toDeal || d;
            toPersonOnly = toPersonOnly || (p && !d && !o);
            toOrgOnly = toOrgOnly || (o && !d && !p);
            toNothing = toNothing || (!d && !p && !o);
            dueTime = dueTime || !r.json.value(u"due_time"_s).isNull();
            noDueTime = noDueTime || r.json.value(u"due_time"_s).isNull();
            done = done || r.json.value(u"done"_s).toBool();
            types.insert(r.json.value(u"type"_s).toString());
        }
        QVERIFY(toDeal && toPersonOnly && toOrgOnly && toNothing && dueTime && noDueTime && done);
        QVERIFY(types.size() >= 5);

        // Notes: several links, a lead only, HTML.
        bool several = false, leadOnly = false, script = false, amp = false;
        for (const auto &r : data.table(Entity::Notes)) {
            const int links = !r.json.value(u"deal_id"_s).isNull()
                + !r.json.value(u"person_id"_s).isNull() + !r.json.value(u"org_id"_s).isNull();
            several = several || links >= 2;
            leadOnly = leadOnly || (links == 0 && !r.json.value(u"lead_id"_s).isNull());
            const QString content = r.json.value(u"content"_s).toString();
            script = script || content.contains(u"<script>"_s);
            amp = amp || content.contains(u"&amp;"_s);
        }
        QVERIFY(several && leadOnly && script && amp);

        // Users: inactive ones and two e-mails equal but for case.
        QHash<QString, int> userEmails;
        int inactive = 0;
        for (const auto &r : data.table(Entity::Users)) {
            ++userEmails[r.json.value(u"email"_s).toString().toLower()];
            inactive += !r.json.value(u"active_flag"_s).toBool();
        }
        QVERIFY(inactive > 0);
        QVERIFY(std::any_of(userEmails.cbegin(), userEmails.cend(), [](int n) { return n > 1; }));
    }

    void badRecordsAreADeterministicSubset()
    {
        const QString path = u"/api/v2/persons?limit=500"_s;
        const QJsonArray clean = get(path).json.value(u"data"_s).toArray();
        m_server->setBadRecords(true);
        const Reply first = get(path);
        const Reply second = get(path);
        QCOMPARE(first.body, second.body);
        const QJsonArray bad = first.json.value(u"data"_s).toArray();
        QCOMPARE(bad.size(), clean.size());
        int malformed = 0;
        for (int i = 0; i < bad.size(); ++i) {
            if (bad.at(i) != clean.at(i)) {
                ++malformed;
                QVERIFY(FakePipedriveServer::isBadRecord(
                    Entity::Persons, clean.at(i).toObject().value(u"id"_s).toInteger()));
            }
        }
        QVERIFY(malformed > 0);
        QVERIFY(malformed < bad.size() / 5);
        m_server->setBadRecords(false);
        QCOMPARE(get(path).json.value(u"data"_s).toArray(), clean);
    }

    // Lists are spliced from per-record JSON the server keeps; the bytes must be what
    // QJsonDocument writes for the envelope as an object, the records exactly the dataset's.
    void listPagesAreTheRecordsAsQJsonDocumentWritesThem()
    {
        auto rewritten = [](const Reply &r) {
            return QJsonDocument(QJsonDocument::fromJson(r.body).object())
                .toJson(QJsonDocument::Compact);
        };
        const FakeDataset &data = m_server->dataset();
        struct Case
        {
            QString path;
            Entity entity;
        };
        const QList<Case> plain = {
            { u"/api/v2/persons?limit=500"_s, Entity::Persons },
            { u"/api/v2/organizations?limit=7&sort_direction=desc"_s, Entity::Organizations },
            { u"/api/v2/deals?limit=500&status=open,won,lost,deleted&sort_by=update_time"_s,
                Entity::Deals },
            { u"/api/v2/activities?limit=100&sort_by=add_time"_s, Entity::Activities },
            { u"/api/v2/stages?sort_by=order_nr"_s, Entity::Stages },
            { u"/api/v2/pipelines"_s, Entity::Pipelines },
            { u"/api/v1/users"_s, Entity::Users },
        };
        for (const Case &c : plain) {
            const Reply r = get(c.path);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, rewritten(r));
            const QJsonArray records = r.json.value(u"data"_s).toArray();
            QVERIFY2(!records.isEmpty(), qPrintable(c.path));
            for (const auto &v : records) {
                const QJsonObject record = v.toObject();
                QCOMPARE(record, data.record(c.entity, record.value(u"id"_s).toInteger()));
            }
        }
        QVERIFY(!get(u"/api/v2/persons?limit=3"_s)
                     .json.value(u"additional_data"_s)
                     .toObject()
                     .value(u"next_cursor"_s)
                     .toString()
                     .isEmpty());

        // Shapes with additions: the dataset's record plus exactly the added keys.
        struct Shaped
        {
            QString path;
            Entity entity;
            QStringList added;
        };
        const QList<Shaped> shaped = {
            { u"/api/v2/persons?limit=50&include_fields=open_deals_count,activities_count,notes_count"_s,
                Entity::Persons,
                { u"open_deals_count"_s, u"activities_count"_s, u"notes_count"_s } },
            { u"/api/v2/organizations?limit=50&include_fields=people_count"_s,
                Entity::Organizations, { u"people_count"_s } },
            { u"/api/v2/activities?limit=50&include_fields=attendees"_s, Entity::Activities,
                { u"attendees"_s } },
            { u"/api/v1/notes?start=3&limit=20&sort=update_time%20DESC"_s, Entity::Notes,
                { u"deal"_s, u"person"_s, u"organization"_s, u"project"_s, u"user"_s } },
        };
        for (const Shaped &c : shaped) {
            const Reply r = get(c.path);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, rewritten(r));
            const QJsonArray records = r.json.value(u"data"_s).toArray();
            QVERIFY2(!records.isEmpty(), qPrintable(c.path));
            for (const auto &v : records) {
                QJsonObject record = v.toObject();
                for (const QString &key : c.added) {
                    QVERIFY2(record.contains(key), qPrintable(c.path + u' ' + key));
                    record.remove(key);
                }
                QCOMPARE(record, data.record(c.entity, record.value(u"id"_s).toInteger()));
            }
        }

        // Empty pages and malformed records are written the same way.
        const Reply empty = get(u"/api/v2/persons?ids=999999"_s);
        QCOMPARE(empty.body,
            QByteArray(R"({"additional_data":{"next_cursor":null},"data":[],"success":true})"));
        const Reply noNotes = get(u"/api/v1/notes?start=100000"_s);
        QCOMPARE(noNotes.body, rewritten(noNotes));
        QVERIFY(noNotes.json.value(u"data"_s).toArray().isEmpty());
        m_server->setBadRecords(true);
        for (const QString &path :
            { u"/api/v2/persons?limit=500"_s, u"/api/v1/notes?limit=500"_s, u"/api/v1/users"_s }) {
            const Reply r = get(path);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, rewritten(r));
        }
    }

    void listsServeTestApiChangesOnTheNextRequest()
    {
        auto first = [this](const QString &path, qint64 id) {
            for (const auto &v : get(path).json.value(u"data"_s).toArray()) {
                if (v.toObject().value(u"id"_s).toInteger() == id)
                    return v.toObject();
            }
            return QJsonObject();
        };
        const QString persons = u"/api/v2/persons?limit=500"_s;
        const QString counted = u"/api/v2/persons?limit=500&include_fields=open_deals_count"_s;
        const QString notes = u"/api/v1/notes?limit=500"_s;
        // Every list is read once first, so that what it serves is kept.
        const QJsonObject before = first(persons, 1);
        const int openBefore = first(counted, 1).value(u"open_deals_count"_s).toInt(-1);
        QVERIFY(openBefore >= 0);
        const QJsonObject noteBefore = first(notes, 1); // note 1 links person 1 and user 1
        QCOMPARE(noteBefore.value(u"person_id"_s).toInteger(), 1);
        const qint64 userId = noteBefore.value(u"user_id"_s).toInteger();
        QVERIFY(!first(u"/api/v1/users"_s, userId).isEmpty());

        // Over HTTP: the record itself.
        QCOMPARE(
            send("PATCH", u"/__test/records/persons/1"_s, { { u"name"_s, u"Over Http"_s } }).status,
            200);
        const QJsonObject after = first(persons, 1);
        QCOMPARE(after.value(u"name"_s).toString(), u"Over Http"_s);
        QVERIFY(after.value(u"update_time"_s) != before.value(u"update_time"_s));
        QCOMPARE(after, m_server->dataset().record(Entity::Persons, 1));
        // ... and what other records show of it.
        QCOMPARE(first(notes, 1).value(u"person"_s).toObject().value(u"name"_s).toString(),
            u"Over Http"_s);

        // In C++: a new open deal counts at once, a renamed user shows in the list and on notes.
        m_server->addRecord(Entity::Deals,
            { { u"title"_s, u"Counted"_s }, { u"person_id"_s, 1 }, { u"status"_s, u"open"_s } });
        QCOMPARE(first(counted, 1).value(u"open_deals_count"_s).toInt(-1), openBefore + 1);
        QVERIFY(
            m_server->updateRecord(Entity::Users, userId, { { u"name"_s, u"User Renamed"_s } }));
        QCOMPARE(first(u"/api/v1/users"_s, userId).value(u"name"_s).toString(), u"User Renamed"_s);
        QCOMPARE(first(notes, 1).value(u"user"_s).toObject().value(u"name"_s).toString(),
            u"User Renamed"_s);
        // A deal's status and archiving move it between the lists at once (they filter on what
        // was read out of the deals' JSON).
        const QString deals = u"/api/v2/deals?limit=500"_s;
        const QString deleted = u"/api/v2/deals?limit=500&status=deleted"_s;
        const QString archivedDeals = u"/api/v2/deals/archived?limit=500"_s;
        QVERIFY(!first(deals, 1).isEmpty());
        QVERIFY(first(deleted, 1).isEmpty());
        QVERIFY(m_server->updateRecord(Entity::Deals, 1, { { u"status"_s, u"deleted"_s } }));
        QVERIFY(first(deals, 1).isEmpty());
        QCOMPARE(first(deleted, 1).value(u"status"_s).toString(), u"deleted"_s);
        QVERIFY(m_server->updateRecord(
            Entity::Deals, 1, { { u"status"_s, u"open"_s }, { u"is_archived"_s, true } }));
        QVERIFY(first(deleted, 1).isEmpty());
        QVERIFY(first(deals, 1).isEmpty());
        QCOMPARE(first(archivedDeals, 1).value(u"is_archived"_s).toBool(), true);

        // A record removed over HTTP is gone from the next page.
        QCOMPARE(send("DELETE", u"/__test/records/persons/1"_s).status, 200);
        QVERIFY(first(persons, 1).isEmpty());
        QCOMPARE(first(persons, 2), m_server->dataset().record(Entity::Persons, 2));
    }

    void standaloneProgramListens()
    {
        QProcess process;
        process.setProgram(QStringLiteral(PDS_BINARY_DIR "/tests/support/fake-pipedrive"));
        process.setArguments(
            { u"--port"_s, u"0"_s, u"--records"_s, u"500"_s, u"--token"_s, u"cli-token"_s });
        process.start();
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 15000);
        const QString line = QString::fromUtf8(process.readLine()).trimmed();
        const auto match
            = QRegularExpression(u"^listening http://127\\.0\\.0\\.1:(\\d+)$"_s).match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        QNetworkRequest request(
            QUrl(u"http://127.0.0.1:%1/api/v1/users/me"_s.arg(match.captured(1))));
        request.setRawHeader("x-api-token", "cli-token");
        const Reply r = finish(m_nam->get(request));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(u"data"_s).toObject().value(u"company_domain"_s).toString(),
            u"fake-company"_s);
        process.kill();
        process.waitForFinished();
    }
};

QTEST_GUILESS_MAIN(TestFakePipedrive)
#include "tst_fakepipedrive.moc"
