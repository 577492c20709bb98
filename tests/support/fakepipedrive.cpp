#include "fakepipedrive.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;

namespace pds::test {

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 500;
constexpr int kWindowMs = 2000;
constexpr int kNominalBurstLimit = 1000; // reported while the burst limiter is off

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject errorEnvelope(const QString &message)
{
    return { { u"success"_s, false }, { u"error"_s, message },
        { u"error_info"_s, u"Please check developers.pipedrive.com"_s },
        { u"data"_s, QJsonValue::Null }, { u"additional_data"_s, QJsonValue::Null } };
}

const char kCloudflarePage[] = R"(<!DOCTYPE html>
<html lang="en-US">
<head><title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" /><meta name="robots" content="noindex, nofollow" /></head>
<body>
<div id="cf-wrapper"><div id="cf-error-details">
<h1 data-translate="block_headline">Sorry, you have been blocked</h1>
<h2>You are unable to access pipedrive.com</h2>
<p>This website is using a security service to protect itself from online attacks.</p>
<p>Cloudflare Ray ID: <strong>7d1f2e3a4b5c6d7e</strong></p>
</div></div>
</body>
</html>
)";

enum class SortField { Id, UpdateTime, AddTime, OrderNr };

qint64 sortKey(SortField field, const FakeDataset::Record &r)
{
    switch (field) {
    case SortField::Id:
        return r.id;
    case SortField::UpdateTime:
        return r.updateSecs;
    case SortField::AddTime:
        return r.addSecs;
    case SortField::OrderNr:
        return r.json.value(u"order_nr"_s).toInteger();
    }
    return r.id;
}

QString sortFieldName(SortField field)
{
    switch (field) {
    case SortField::Id:
        return u"id"_s;
    case SortField::UpdateTime:
        return u"update_time"_s;
    case SortField::AddTime:
        return u"add_time"_s;
    case SortField::OrderNr:
        return u"order_nr"_s;
    }
    return {};
}

// Cursors look like Pipedrive's: base64url of {"field","fieldValue","sortDirection","id"}.
QString encodeCursor(const QString &field, qint64 value, bool desc, qint64 id)
{
    const QJsonObject c { { u"field"_s, field }, { u"fieldValue"_s, value },
        { u"sortDirection"_s, desc ? u"desc"_s : u"asc"_s }, { u"id"_s, id } };
    return QString::fromLatin1(
        compact(c).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<QJsonObject> decodeCursor(const QString &cursor)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded);
    if (!doc.isObject())
        return std::nullopt;
    return doc.object();
}

std::optional<qint64> parseQueryTime(QString text)
{
    // A '+' offset sent unencoded arrives as a space.
    if (text.size() > 19 && text.at(10) == u'T')
        text.replace(u' ', u'+');
    return parseTime(text);
}

QString queryValue(const QUrlQuery &query, const QString &key)
{
    return query.queryItemValue(key, QUrl::FullyDecoded);
}

} // namespace

// ---- FaultPlan
// ------------------------------------------------------------------------------------

namespace {

// A deal status of the v2 lists as one bit, 0 for none of them.
quint8 statusBit(QStringView status)
{
    static constexpr QStringView names[] = { u"open", u"won", u"lost", u"deleted" };
    for (quint8 i = 0; i < 4; ++i) {
        if (status == names[i])
            return quint8(1u << i);
    }
    return 0;
}

QJsonObject faultJson(const ArmedFault &f, const QString &paramName)
{
    QJsonObject o { { u"count"_s, f.count }, { u"after"_s, f.afterRequests } };
    if (!paramName.isEmpty())
        o.insert(paramName, f.param);
    if (!f.path.isEmpty())
        o.insert(u"path"_s, f.path);
    return o;
}

ArmedFault faultFromJson(
    const QJsonValue &value, const ArmedFault &base, const QString &paramName, int defaultParam)
{
    if (!value.isObject())
        return base;
    const QJsonObject o = value.toObject();
    ArmedFault f;
    f.count = o.value(u"count"_s).toInt(1);
    f.afterRequests = o.value(u"after"_s).toInt(0);
    f.param = paramName.isEmpty() ? 0 : o.value(paramName).toInt(defaultParam);
    f.path = o.value(u"path"_s).toString();
    return f;
}

} // namespace

QJsonObject FaultPlan::toJson() const
{
    return { { u"latency_ms"_s, latencyMs }, { u"burst_limit"_s, burstLimit },
        { u"daily_budget"_s, dailyBudget }, { u"bad_records"_s, badRecords },
        { u"fail_429"_s, faultJson(tooManyRequests, u"retry_after"_s) },
        { u"server_error"_s, faultJson(serverError, u"status"_s) },
        { u"drop"_s, faultJson(dropConnection, {}) }, { u"cut_body"_s, faultJson(cutBody, {}) },
        { u"html_403"_s, faultJson(html403, {}) } };
}

FaultPlan FaultPlan::fromJson(const QJsonObject &json, const FaultPlan &base)
{
    FaultPlan p = base;
    p.latencyMs = json.value(u"latency_ms"_s).toInt(base.latencyMs);
    p.burstLimit = json.value(u"burst_limit"_s).toInt(base.burstLimit);
    p.dailyBudget = json.value(u"daily_budget"_s).toInt(base.dailyBudget);
    p.badRecords = json.value(u"bad_records"_s).toBool(base.badRecords);
    p.tooManyRequests
        = faultFromJson(json.value(u"fail_429"_s), base.tooManyRequests, u"retry_after"_s, 1);
    p.serverError
        = faultFromJson(json.value(u"server_error"_s), base.serverError, u"status"_s, 500);
    p.dropConnection = faultFromJson(json.value(u"drop"_s), base.dropConnection, {}, 0);
    p.cutBody = faultFromJson(json.value(u"cut_body"_s), base.cutBody, {}, 0);
    p.html403 = faultFromJson(json.value(u"html_403"_s), base.html403, {}, 0);
    return p;
}

FaultPlan FaultPlan::fromJson(const QJsonObject &json)
{
    return fromJson(json, FaultPlan());
}

// ---- internals
// ------------------------------------------------------------------------------------

struct FakePipedriveServer::Response
{
    enum class Action { Normal, Drop, Cut };

    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    Action action = Action::Normal;

    static Response json(int status, const QJsonObject &object)
    {
        Response r;
        r.status = status;
        r.body = compact(object);
        return r;
    }
    static Response error(int status, const QString &message)
    {
        return json(status, errorEnvelope(message));
    }
};

// A record's compact JSON as a list serves it; good while nothing it was built from changed since
// (see listBody).
struct FakePipedriveServer::CachedJson
{
    qint64 id = 0; // the record it was built from: a slot is a table position, which can shift
    quint64 builtAt = 0; // the dataset's version() then
    QByteArray json;
};

struct FakePipedriveServer::Caches
{
    struct Order
    {
        quint64 version = ~quint64(0);
        QList<int> indexes; // table positions sorted by (key, id)
    };
    struct Counts
    {
        int open = 0, won = 0, lost = 0, activities = 0, doneActivities = 0, notes = 0, people = 0;
    };
    // Every record's compact JSON, per entity and shape (the include_fields that change it), so
    // that a page is spliced from bytes instead of serialised anew on every request. Slots by
    // table position: no hash lookup per record served (a cache miss each at 100k records).
    using JsonCache = QList<CachedJson>;
    QHash<QString, JsonCache> json[9]; // by entity, then shape

    QHash<int, Order> orders; // entity * 8 + sort field

    // Whole list bodies, by what makes them (the key listBody() puts together), so that a page
    // asked for again is written as it was, not spliced anew: splicing copied every byte of a
    // page, and the fake server, which stands in for a remote Pipedrive, shares this machine's
    // two cores with the sync it serves. Valid for one dataset version (the key holds it);
    // emptied when they pass MaxBodyBytes.
    static constexpr qsizetype MaxBodyBytes = qsizetype(1) << 30;
    QHash<QByteArray, QByteArray> bodies;
    qsizetype bodyBytes = 0;

    // What the deal lists filter every record by, read out of the JSON once per table version:
    // QJsonObject::value() is a linear search of the keys, and was a third of serving a sync.
    // A status as one bit (statusBit()): the archived and deleted lists test every deal, and
    // hashing the status string for a QSet was most of serving them (10 ms a request at 100k).
    struct DealState
    {
        quint8 status = 0;
        bool archived = false;
    };
    quint64 dealStatesVersion = ~quint64(0);
    QList<DealState> dealStates; // by table position

    const QList<DealState> &dealState(const FakeDataset &data)
    {
        if (dealStatesVersion != data.tableVersion(Entity::Deals)) {
            const auto &table = data.table(Entity::Deals);
            dealStates.resize(table.size());
            for (qsizetype i = 0; i < table.size(); ++i)
                dealStates[i] = { statusBit(table.at(i).json.value(u"status"_s).toString()),
                    table.at(i).json.value(u"is_archived"_s).toBool() };
            dealStatesVersion = data.tableVersion(Entity::Deals);
        }
        return dealStates;
    }
    quint64 countsVersion = ~quint64(0);
    QHash<qint64, Counts> personCounts, orgCounts, dealCounts;
    quint64 notesVersion = ~quint64(0);
    QString notesKey;
    QList<int> notesIndexes;

    const QList<int> &order(const FakeDataset &data, Entity entity, SortField field)
    {
        Order &o = orders[int(entity) * 8 + int(field)];
        if (o.version != data.version()) {
            const auto &table = data.table(entity);
            o.indexes.resize(table.size());
            for (int i = 0; i < table.size(); ++i)
                o.indexes[i] = i;
            std::stable_sort(o.indexes.begin(), o.indexes.end(), [&](int a, int b) {
                const qint64 ka = sortKey(field, table.at(a)), kb = sortKey(field, table.at(b));
                return ka != kb ? ka < kb : table.at(a).id < table.at(b).id;
            });
            o.version = data.version();
        }
        return o.indexes;
    }

    void ensureCounts(const FakeDataset &data)
    {
        if (countsVersion == data.version())
            return;
        personCounts.clear();
        orgCounts.clear();
        dealCounts.clear();
        for (const auto &r : data.table(Entity::Deals)) {
            // Counts leave out deleted and archived deals (the list endpoints do too).
            const QString status = r.json.value(u"status"_s).toString();
            if (status == u"deleted" || r.json.value(u"is_archived"_s).toBool())
                continue;
            auto bump = [&](Counts &c) {
                if (status == u"open")
                    ++c.open;
                else if (status == u"won")
                    ++c.won;
                else if (status == u"lost")
                    ++c.lost;
            };
            if (const qint64 p = r.json.value(u"person_id"_s).toInteger())
                bump(personCounts[p]);
            if (const qint64 o = r.json.value(u"org_id"_s).toInteger())
                bump(orgCounts[o]);
        }
        for (const auto &r : data.table(Entity::Activities)) {
            const bool done = r.json.value(u"done"_s).toBool();
            auto bump = [&](Counts &c) {
                ++c.activities;
                if (done)
                    ++c.doneActivities;
            };
            if (const qint64 p = r.json.value(u"person_id"_s).toInteger())
                bump(personCounts[p]);
            if (const qint64 o = r.json.value(u"org_id"_s).toInteger())
                bump(orgCounts[o]);
            if (const qint64 d = r.json.value(u"deal_id"_s).toInteger())
                bump(dealCounts[d]);
        }
        for (const auto &r : data.table(Entity::Notes)) {
            if (const qint64 d = r.json.value(u"deal_id"_s).toInteger())
                ++dealCounts[d].notes;
            if (const qint64 p = r.json.value(u"person_id"_s).toInteger())
                ++personCounts[p].notes;
            if (const qint64 o = r.json.value(u"org_id"_s).toInteger())
                ++orgCounts[o].notes;
        }
        for (const auto &r : data.table(Entity::Persons)) {
            if (const qint64 o = r.json.value(u"org_id"_s).toInteger())
                ++orgCounts[o].people;
        }
        countsVersion = data.version();
    }
};

// ---- FakePipedriveServer ----------------------------------------------------------------------

FakePipedriveServer::FakePipedriveServer(QObject *parent)
    : QAbstractHttpServer(parent)
    , m_caches(std::make_unique<Caches>())
{
    m_clock.start();
}

FakePipedriveServer::~FakePipedriveServer() = default;

void FakePipedriveServer::setDataset(FakeDataset dataset)
{
    m_dataset = std::move(dataset);
    m_caches = std::make_unique<Caches>(); // versions restart with a new dataset
    m_clockOffsetSecs = 0;
    m_beforeRequest.clear();
    // Serialise every record of the plain lists now (what a sync reads), so that even the first
    // pass through the data is served from bytes.
    for (Entity entity : { Entity::Users, Entity::Organizations, Entity::Persons, Entity::Deals,
             Entity::Activities, Entity::Notes, Entity::Pipelines, Entity::Stages }) {
        const auto &table = m_dataset.table(entity);
        Caches::JsonCache &cache = m_caches->json[int(entity)][QString()];
        cache.reserve(table.size());
        for (const auto &r : table)
            cachedJson(entity, r, {}, cache, 0);
    }
}

void FakePipedriveServer::generate(quint32 seed, const DatasetSizes &sizes)
{
    setDataset(FakeDataset::generate(seed, sizes));
}

quint16 FakePipedriveServer::listen(const QHostAddress &address, quint16 port)
{
    m_port = QAbstractHttpServer::listen(address, port);
    return m_port;
}

QUrl FakePipedriveServer::baseUrl() const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(m_port);
    return url;
}

void FakePipedriveServer::setApiToken(const QString &token)
{
    m_token = token;
}

void FakePipedriveServer::setLatencyMs(int ms)
{
    m_plan.latencyMs = qMax(0, ms);
}

void FakePipedriveServer::setBurstLimit(int requestsPerTwoSeconds)
{
    m_plan.burstLimit = qMax(0, requestsPerTwoSeconds);
}

void FakePipedriveServer::failNext429(int count, int retryAfterSeconds, int afterRequests)
{
    m_plan.tooManyRequests = { count, afterRequests, retryAfterSeconds };
}

void FakePipedriveServer::setDailyBudget(int tokens)
{
    m_plan.dailyBudget = qMax(0, tokens);
}

void FakePipedriveServer::failNextServerError(int count, int status, int afterRequests)
{
    m_plan.serverError = { count, afterRequests, status };
}

void FakePipedriveServer::dropNextConnections(int count, int afterRequests)
{
    m_plan.dropConnection = { count, afterRequests, 0 };
}

void FakePipedriveServer::cutNextBodies(int count, int afterRequests)
{
    m_plan.cutBody = { count, afterRequests, 0 };
}

void FakePipedriveServer::failNextHtml403(int count, int afterRequests, const QString &path)
{
    m_plan.html403 = { count, afterRequests, 0, path };
}

void FakePipedriveServer::setBadRecords(bool on)
{
    m_plan.badRecords = on;
}

void FakePipedriveServer::setFaultPlan(const FaultPlan &plan)
{
    m_plan = plan;
}

void FakePipedriveServer::resetCounters()
{
    m_requestCount = 0;
    m_tokensSpent = 0;
    m_requestLog.clear();
    m_window.clear();
}

QDateTime FakePipedriveServer::now() const
{
    return QDateTime::currentDateTimeUtc().addSecs(m_clockOffsetSecs);
}

void FakePipedriveServer::beforeRequest(
    const QString &path, int afterRequests, std::function<void()> action)
{
    m_beforeRequest.append({ path, afterRequests, std::move(action) });
}

qint64 FakePipedriveServer::addRecord(Entity entity, QJsonObject record)
{
    return m_dataset.addRecord(entity, std::move(record), now());
}

qint64 FakePipedriveServer::addFilter(
    const QString &type, const QString &name, const QJsonObject &conditions)
{
    return m_dataset.addFilter(type, name, conditions, now());
}

bool FakePipedriveServer::updateRecord(Entity entity, qint64 id, const QJsonObject &patch)
{
    return m_dataset.updateRecord(entity, id, patch, now());
}

bool FakePipedriveServer::deleteRecord(Entity entity, qint64 id)
{
    return m_dataset.deleteRecord(entity, id, now());
}

bool FakePipedriveServer::isBadRecord(Entity entity, qint64 id)
{
    if (entity == Entity::Users)
        return id % 5 == 2;
    if (entity != Entity::Organizations && entity != Entity::Persons && entity != Entity::Deals
        && entity != Entity::Activities && entity != Entity::Notes)
        return false;
    const quint64 h = quint64(id) * 2654435761u + quint64(entity) * 40503u;
    return h % 23 == 7;
}

// ---- request pipeline -----------------------------------------------------------------------

bool FakePipedriveServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    bool keepAlive = true;
    for (const auto &[name, value] : request.headers()) {
        if (name.compare("connection", Qt::CaseInsensitive) == 0
            && value.compare("close", Qt::CaseInsensitive) == 0)
            keepAlive = false;
    }
    const bool testApi = request.url().path().startsWith(u"/__test/"_s);
    const Response response = testApi ? handleTestApi(request) : handleApi(request);
    deliver(socket, response, keepAlive, testApi ? 0 : m_plan.latencyMs);
    return true;
}

void FakePipedriveServer::missingHandler(const QHttpServerRequest &, QTcpSocket *socket)
{
    // handleRequest answers everything; this only guards the base class's contract.
    deliver(socket, Response::error(404, u"Unknown method ."_s), true, m_plan.latencyMs);
}

bool FakePipedriveServer::takeFault(ArmedFault &fault, const QString &path, bool &eligible)
{
    // Called once per API request for every fault: counts down "after", reports eligibility.
    eligible = false;
    if (fault.count <= 0 || (!fault.path.isEmpty() && path != fault.path))
        return false;
    if (fault.afterRequests > 0) {
        --fault.afterRequests;
        return false;
    }
    eligible = true;
    return true;
}

FakePipedriveServer::Response FakePipedriveServer::handleApi(const QHttpServerRequest &request)
{
    const QUrl url = request.url();
    QUrlQuery query(url);
    QString token;
    for (const auto &[name, value] : request.headers()) {
        if (name.compare("x-api-token", Qt::CaseInsensitive) == 0)
            token = QString::fromUtf8(value);
        else if (name.compare("authorization", Qt::CaseInsensitive) == 0
            && value.startsWith("Bearer "))
            token = QString::fromUtf8(value.mid(7));
    }
    if (query.hasQueryItem(u"api_token"_s)) {
        if (token.isEmpty())
            token = queryValue(query, u"api_token"_s);
        query.removeAllQueryItems(u"api_token"_s);
    }

    ++m_requestCount;
    const QString logged
        = url.path() + (query.isEmpty() ? QString() : u'?' + query.toString(QUrl::FullyEncoded));
    m_requestLog.append(logged);

    for (qsizetype i = 0; i < m_beforeRequest.size();) {
        PendingAction &pending = m_beforeRequest[i];
        if (pending.path == url.path() && pending.after-- == 0) {
            const std::function<void()> action = std::move(pending.action);
            m_beforeRequest.removeAt(i);
            action();
        } else {
            ++i;
        }
    }

    // Faults, in priority order; every armed fault counts this request towards its "after".
    bool drop = false, html = false, server = false, tooMany = false, cut = false;
    const QString requestPath = url.path();
    takeFault(m_plan.dropConnection, requestPath, drop);
    takeFault(m_plan.html403, requestPath, html);
    takeFault(m_plan.serverError, requestPath, server);
    takeFault(m_plan.tooManyRequests, requestPath, tooMany);
    takeFault(m_plan.cutBody, requestPath, cut);
    if (drop) {
        --m_plan.dropConnection.count;
        Response r;
        r.action = Response::Action::Drop;
        return r;
    }
    if (html) {
        --m_plan.html403.count;
        Response r;
        r.status = 403;
        r.contentType = "text/html; charset=UTF-8";
        r.body = kCloudflarePage;
        r.headers.append({ QByteArray("server"), QByteArray("cloudflare") });
        r.headers.append({ QByteArray("cf-ray"), QByteArray("7d1f2e3a4b5c6d7e-FRA") });
        return r;
    }
    if (server) {
        --m_plan.serverError.count;
        const int status = m_plan.serverError.param >= 500 ? m_plan.serverError.param : 500;
        Response r = Response::error(status,
            status == 503 ? u"Service unavailable"_s : u"An internal server error occurred"_s);
        addRateHeaders(r, false, 0);
        return r;
    }
    if (tooMany) {
        --m_plan.tooManyRequests.count;
        Response r = Response::error(429, u"Request over limit"_s);
        addRateHeaders(r, true, qMax(1, m_plan.tooManyRequests.param));
        return r;
    }

    if (m_token.isEmpty() || token != m_token) {
        Response r = Response::json(401,
            { { u"success"_s, false }, { u"error"_s, u"unauthorized access"_s },
                { u"errorCode"_s, 401 } });
        addRateHeaders(r, false, 0);
        return r;
    }

    if (m_plan.dailyBudget > 0 && m_tokensSpent >= m_plan.dailyBudget) {
        // Spent until midnight UTC (Pipedrive's reset is midnight server time).
        const QDateTime n = now();
        const int untilMidnight
            = int(n.secsTo(QDateTime(n.date().addDays(1), QTime(0, 0), Qt::UTC)));
        Response r = Response::error(429, u"Request over limit"_s);
        addRateHeaders(r, false, 0);
        r.headers.append({ "retry-after", QByteArray::number(qMax(1, untilMidnight)) });
        return r;
    }

    const qint64 nowMs = m_clock.elapsed();
    while (!m_window.empty() && m_window.front() <= nowMs - kWindowMs)
        m_window.pop_front();
    if (m_plan.burstLimit > 0 && int(m_window.size()) >= m_plan.burstLimit) {
        const int wait = int(std::ceil((m_window.front() + kWindowMs - nowMs) / 1000.0));
        Response r = Response::error(429, u"Request over limit"_s);
        addRateHeaders(r, true, qMax(1, wait));
        return r;
    }
    m_window.push_back(nowMs);

    Response r;
    if (request.method() != QHttpServerRequest::Method::Get) {
        r = Response::error(405, u"Method not allowed: the fake serves GET only"_s);
    } else {
        QString path = url.path();
        if (path.startsWith(u"/v1/"_s))
            path.prepend(u"/api"_s); // v1 also answered without the /api prefix
        while (path.size() > 1 && path.endsWith(u'/'))
            path.chop(1);
        int cost = 0;
        r = route(path, query, cost);
        if (r.status == 200)
            m_tokensSpent += cost;
    }
    if (cut) {
        --m_plan.cutBody.count;
        r.action = Response::Action::Cut;
    }
    addRateHeaders(r, false, 0);
    return r;
}

void FakePipedriveServer::addRateHeaders(Response &response, bool burstRejected, int retryAfter)
{
    const int limit = m_plan.burstLimit > 0 ? m_plan.burstLimit : kNominalBurstLimit;
    const qint64 nowMs = m_clock.elapsed();
    while (!m_window.empty() && m_window.front() <= nowMs - kWindowMs)
        m_window.pop_front();
    int remaining = qMax(0, limit - int(m_window.size()));
    int reset = m_window.empty()
        ? 0
        : qMax(1, int(std::ceil((m_window.front() + kWindowMs - nowMs) / 1000.0)));
    if (burstRejected) {
        remaining = 0;
        reset = retryAfter;
        response.headers.append({ "retry-after", QByteArray::number(retryAfter) });
    }
    response.headers.append({ "x-ratelimit-limit", QByteArray::number(limit) });
    response.headers.append({ "x-ratelimit-remaining", QByteArray::number(remaining) });
    response.headers.append({ "x-ratelimit-reset", QByteArray::number(reset) });
    if (m_plan.dailyBudget > 0) {
        response.headers.append(
            { "x-daily-ratelimit-token-limit", QByteArray::number(m_plan.dailyBudget) });
        response.headers.append({ "x-daily-ratelimit-token-remaining",
            QByteArray::number(qMax(0, m_plan.dailyBudget - m_tokensSpent)) });
    }
}

void FakePipedriveServer::deliver(
    QTcpSocket *socket, const Response &response, bool keepAlive, int latencyMs)
{
    auto send = [socket, response, keepAlive]() {
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
        if (response.action == Response::Action::Drop) {
            socket->abort();
            return;
        }
        QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + ' '
            + reasonPhrase(response.status) + "\r\n";
        out += "content-type: " + response.contentType + "\r\n";
        out += "content-length: " + QByteArray::number(response.body.size()) + "\r\n";
        const bool close = !keepAlive || response.action == Response::Action::Cut;
        out += close ? "connection: close\r\n" : "connection: keep-alive\r\n";
        for (const auto &[name, value] : response.headers)
            out += name + ": " + value + "\r\n";
        out += "\r\n";
        if (response.action == Response::Action::Cut) {
            // The full length is announced, half the body arrives, then the connection ends.
            out += response.body.left(response.body.size() / 2);
            socket->write(out);
            socket->disconnectFromHost();
            return;
        }
        // Headers and body leave in two writes (the body is shared, not copied): with Nagle's
        // algorithm on, a body shorter than a segment waited for the client's delayed ACK of
        // the headers, ~40 ms on Linux (the last, short page of each list). Servers in front
        // of real APIs (nginx's tcp_nodelay) send at once too.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        socket->write(out);
        socket->write(response.body); // shared into the socket's buffer, not copied
        if (close)
            socket->disconnectFromHost();
    };
    // Closing inside the server's readyRead handler is not safe in Qt 6.4, so anything that ends
    // the connection, and every delayed answer, goes through the event loop.
    const bool ends = response.action != Response::Action::Normal || !keepAlive;
    if (latencyMs > 0 || ends)
        QTimer::singleShot(latencyMs, socket, send);
    else
        send();
}

// ---- routes -----------------------------------------------------------------------------------

FakePipedriveServer::Response FakePipedriveServer::route(
    const QString &path, const QUrlQuery &query, int &cost)
{
    struct V2Route
    {
        const char16_t *path;
        Entity entity;
        int cost;
    };
    static const V2Route v2Routes[] = {
        { u"/api/v2/organizations", Entity::Organizations, 10 },
        { u"/api/v2/persons", Entity::Persons, 10 },
        { u"/api/v2/deals", Entity::Deals, 10 },
        { u"/api/v2/deals/archived", Entity::Deals, 20 },
        { u"/api/v2/activities", Entity::Activities, 10 },
        { u"/api/v2/pipelines", Entity::Pipelines, 5 },
        { u"/api/v2/stages", Entity::Stages, 5 },
    };
    for (const auto &r : v2Routes) {
        if (path == QStringView(r.path)) {
            cost = r.cost;
            return listV2(r.entity, path, query);
        }
    }
    struct FieldRoute
    {
        const char16_t *path;
        FieldSet set;
    };
    static const FieldRoute fieldRoutes[] = {
        { u"/api/v2/dealFields", FieldSet::Deal },
        { u"/api/v2/personFields", FieldSet::Person },
        { u"/api/v2/organizationFields", FieldSet::Organization },
        { u"/api/v2/activityFields", FieldSet::Activity },
    };
    for (const auto &r : fieldRoutes) {
        if (path == QStringView(r.path)) {
            cost = 10;
            return listFieldsV2(r.set, query);
        }
    }
    if (path == u"/api/v1/users/me") {
        cost = 2;
        return users(true);
    }
    if (path == u"/api/v1/users") {
        cost = 20;
        return users(false);
    }
    if (path == u"/api/v1/notes") {
        cost = 20;
        return listNotes(query);
    }
    if (path == u"/api/v1/filters") {
        cost = 20;
        return filters(query);
    }
    if (path == u"/api/v1/activityTypes") {
        cost = 20;
        return activityTypes();
    }
    if (path == u"/api/v1/noteFields") {
        cost = 20;
        return listNoteFields(query);
    }
    return Response::error(404, u"Unknown method ."_s);
}

namespace {

// Reads "limit" the way both API versions do: default 100, at most 500.
std::optional<int> parseLimit(const QUrlQuery &query, QString &error)
{
    if (!query.hasQueryItem(u"limit"_s))
        return kDefaultLimit;
    bool ok = false;
    const int limit = queryValue(query, u"limit"_s).toInt(&ok);
    if (!ok || limit < 1) {
        error = u"Validation failed: limit: Expected number, received invalid value"_s;
        return std::nullopt;
    }
    if (limit > kMaxLimit) {
        error = u"Validation failed: limit: Number must be less than or equal to 500"_s;
        return std::nullopt;
    }
    return limit;
}

} // namespace

FakePipedriveServer::Response FakePipedriveServer::listV2(
    Entity entity, const QString &path, const QUrlQuery &query)
{
    auto validation = [](const QString &message) {
        QJsonObject e = errorEnvelope(message);
        e.insert(u"code"_s, u"ERR_SCHEMA_VALIDATION_FAILED"_s);
        return Response::json(400, e);
    };
    QString error;
    const auto limit = parseLimit(query, error);
    if (!limit)
        return validation(error);

    SortField field = SortField::Id;
    const QString sortBy = queryValue(query, u"sort_by"_s);
    if (sortBy == u"update_time")
        field = SortField::UpdateTime;
    else if (sortBy == u"add_time")
        field = SortField::AddTime;
    else if (sortBy == u"order_nr" && entity == Entity::Stages)
        field = SortField::OrderNr;
    else if (!sortBy.isEmpty() && sortBy != u"id")
        return validation(u"Validation failed: sort_by: Invalid enum value"_s);
    const QString direction = queryValue(query, u"sort_direction"_s);
    if (!direction.isEmpty() && direction != u"asc" && direction != u"desc")
        return validation(u"Validation failed: sort_direction: Invalid enum value"_s);
    const bool desc = direction == u"desc";

    std::optional<qint64> since, until;
    if (query.hasQueryItem(u"updated_since"_s)) {
        since = parseQueryTime(queryValue(query, u"updated_since"_s));
        if (!since)
            return validation(u"Validation failed: updated_since: Invalid RFC3339 date"_s);
    }
    if (query.hasQueryItem(u"updated_until"_s)) {
        until = parseQueryTime(queryValue(query, u"updated_until"_s));
        if (!until)
            return validation(u"Validation failed: updated_until: Invalid RFC3339 date"_s);
    }

    // A saved filter: its conditions instead of ids, the link filters and the deal status, which
    // v2 ignores next to filter_id (v2.yaml, /deals status: "If filter_id is provided, this is
    // ignored."); the time window still applies.
    const FakeDataset::Filter *savedFilter = nullptr;
    if (query.hasQueryItem(u"filter_id"_s)) {
        bool ok = false;
        const qint64 filterId = queryValue(query, u"filter_id"_s).toLongLong(&ok);
        if (!ok)
            return validation(u"Validation failed: filter_id: Expected number"_s);
        savedFilter = m_dataset.findFilter(filterId);
        if (!savedFilter || savedFilter->type != FakeDataset::filterType(entity))
            return Response::error(400, u"Filter not found"_s);
    }

    // Plain equality filters on integer link fields.
    QList<std::pair<QString, qint64>> equals;
    for (const QString &key : { u"owner_id"_s, u"org_id"_s, u"person_id"_s, u"deal_id"_s,
             u"pipeline_id"_s, u"stage_id"_s }) {
        if (!query.hasQueryItem(key) || savedFilter)
            continue;
        bool ok = false;
        const qint64 v = queryValue(query, key).toLongLong(&ok);
        if (!ok)
            return validation(u"Validation failed: %1: Expected number"_s.arg(key));
        if (key == u"deal_id" && entity == Entity::Persons)
            continue; // persons have no deal_id of their own; not modelled
        equals.append({ key, v });
    }
    QSet<qint64> ids;
    if (query.hasQueryItem(u"ids"_s) && !savedFilter) {
        for (const QString &part : queryValue(query, u"ids"_s).split(u',', Qt::SkipEmptyParts))
            ids.insert(part.trimmed().toLongLong());
    }
    std::optional<bool> done;
    if (entity == Entity::Activities && query.hasQueryItem(u"done"_s)) {
        const QString d = queryValue(query, u"done"_s);
        done = d == u"true" || d == u"1";
    }
    quint8 statuses = 0; // statusBit()s
    const bool archivedRoute = path.endsWith(u"/archived"_s);
    if (entity == Entity::Deals) {
        const QString s = savedFilter ? QString() : queryValue(query, u"status"_s);
        if (s.isEmpty()) {
            statuses = statusBit(u"open"_s) | statusBit(u"won"_s) | statusBit(u"lost"_s);
        } else {
            for (const QString &part : s.split(u',', Qt::SkipEmptyParts)) {
                const quint8 bit = statusBit(part.trimmed());
                if (!bit)
                    return validation(u"Validation failed: status: Invalid enum value"_s);
                statuses |= bit;
            }
        }
    }
    QStringList includeFields;
    if (query.hasQueryItem(u"include_fields"_s)) {
        // The values each list accepts (the spec's enums); anything else is a validation error.
        static const QStringList common
            = { u"next_activity_id"_s, u"last_activity_id"_s, u"files_count"_s, u"notes_count"_s,
                  u"followers_count"_s, u"email_messages_count"_s, u"activities_count"_s,
                  u"done_activities_count"_s, u"undone_activities_count"_s, u"smart_bcc_email"_s };
        static const QStringList contactCounts = { u"open_deals_count"_s,
            u"related_open_deals_count"_s, u"closed_deals_count"_s, u"related_closed_deals_count"_s,
            u"won_deals_count"_s, u"related_won_deals_count"_s, u"lost_deals_count"_s,
            u"related_lost_deals_count"_s };
        QStringList allowed;
        if (entity == Entity::Persons)
            allowed = common + contactCounts
                + QStringList { u"participant_open_deals_count"_s,
                      u"participant_closed_deals_count"_s, u"last_incoming_mail_time"_s,
                      u"last_outgoing_mail_time"_s, u"marketing_status"_s, u"doi_status"_s };
        else if (entity == Entity::Organizations)
            allowed = common + contactCounts + QStringList { u"people_count"_s };
        else if (entity == Entity::Deals)
            allowed = common
                + QStringList { u"first_won_time"_s, u"products_count"_s, u"participants_count"_s,
                      u"last_incoming_mail_time"_s, u"last_outgoing_mail_time"_s,
                      u"source_lead_id"_s };
        else if (entity == Entity::Activities)
            allowed = { u"attendees"_s };
        for (const QString &part :
            queryValue(query, u"include_fields"_s).split(u',', Qt::SkipEmptyParts)) {
            const QString name = part.trimmed();
            if (!allowed.contains(name))
                return validation(
                    u"Validation failed: include_fields: Invalid enum value '%1'"_s.arg(name));
            includeFields.append(name);
        }
    }

    const QList<Caches::DealState> *dealStates
        = entity == Entity::Deals ? &m_caches->dealState(m_dataset) : nullptr;
    auto matches = [&](const FakeDataset::Record &r, int position) {
        if (since && r.updateSecs < *since)
            return false;
        if (until && r.updateSecs >= *until)
            return false;
        if (!ids.isEmpty() && !ids.contains(r.id))
            return false;
        if (savedFilter && !FakeDataset::filterMatches(*savedFilter, r.json))
            return false;
        for (const auto &[key, value] : std::as_const(equals)) {
            if (r.json.value(key).toInteger() != value)
                return false;
        }
        if (done && r.json.value(u"done"_s).toBool() != *done)
            return false;
        if (dealStates) {
            const Caches::DealState &state = dealStates->at(position);
            if (!(statuses & state.status) || state.archived != archivedRoute)
                return false;
        }
        return true;
    };

    // The ordering: the table itself for ids, else a cached index sorted by (key, id).
    const auto &table = m_dataset.table(entity);
    const QList<int> *order
        = field == SortField::Id ? nullptr : &m_caches->order(m_dataset, entity, field);
    const int size = int(table.size());
    auto positionAt = [&](int pos) {
        return order ? order->at(pos) : pos;
    };
    auto at = [&](int pos) -> const FakeDataset::Record & {
        return table.at(positionAt(pos));
    };
    // First position whose (key, id) is not less than (key, id).
    auto lowerBound = [&](qint64 key, qint64 id) {
        int lo = 0, hi = size;
        while (lo < hi) {
            const int mid = (lo + hi) / 2;
            const auto &r = at(mid);
            const qint64 k = sortKey(field, r);
            if (k < key || (k == key && r.id < id))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    };
    int begin = 0, end = size;
    if (field == SortField::UpdateTime) {
        if (since)
            begin = lowerBound(*since, std::numeric_limits<qint64>::min());
        if (until)
            end = lowerBound(*until, std::numeric_limits<qint64>::min());
    }
    if (query.hasQueryItem(u"cursor"_s)) {
        const auto cursor = decodeCursor(queryValue(query, u"cursor"_s));
        if (!cursor || cursor->value(u"field"_s).toString() != sortFieldName(field)
            || (cursor->value(u"sortDirection"_s).toString() == u"desc") != desc)
            return Response::error(400, u"Invalid cursor"_s);
        const qint64 key = cursor->value(u"fieldValue"_s).toInteger();
        const qint64 id = cursor->value(u"id"_s).toInteger();
        if (desc)
            end = qMin(end, lowerBound(key, id));
        else
            begin = qMax(begin, lowerBound(key, id + 1));
    }

    QList<const FakeDataset::Record *> data;
    data.reserve(qMin(*limit, end - begin));
    const FakeDataset::Record *last = nullptr;
    bool more = false;
    const int step = desc ? -1 : 1;
    for (int pos = desc ? end - 1 : begin; desc ? pos >= begin : pos < end; pos += step) {
        const int position = positionAt(pos);
        const auto &r = table.at(position);
        if (!matches(r, position))
            continue;
        if (data.size() == *limit) {
            more = true;
            break;
        }
        data.append(&r);
        last = &r;
    }
    const QJsonValue next = more && last
        ? QJsonValue(encodeCursor(sortFieldName(field), sortKey(field, *last), desc, last->id))
        : QJsonValue(QJsonValue::Null);
    const QJsonObject additional { { u"next_cursor"_s, next } };
    Response response;
    response.body = listBody(entity, data, includeFields, &additional);
    return response;
}

FakePipedriveServer::Response FakePipedriveServer::filters(const QUrlQuery &query)
{
    const QString type = queryValue(query, u"type"_s);
    static const QStringList types = { u"deals"_s, u"leads"_s, u"org"_s, u"people"_s, u"products"_s,
        u"activity"_s, u"projects"_s };
    if (!type.isEmpty() && !types.contains(type))
        return Response::error(400, u"Invalid filter type"_s);
    QJsonArray data;
    for (const FakeDataset::Filter &filter : m_dataset.filters()) {
        if (!type.isEmpty() && filter.type != type)
            continue;
        const QString time = v1Time(filter.addSecs);
        data.append(QJsonObject { { u"id"_s, filter.id }, { u"name"_s, filter.name },
            { u"filter_code"_s, QJsonValue::Null }, { u"is_editable"_s, true },
            { u"active_flag"_s, true }, { u"type"_s, filter.type },
            { u"temporary_flag"_s, QJsonValue::Null }, { u"user_id"_s, filter.userId },
            { u"add_time"_s, time }, { u"update_time"_s, time }, { u"visible_to"_s, u"3"_s },
            { u"last_used_time"_s, QJsonValue::Null }, { u"custom_view_id"_s, QJsonValue::Null } });
    }
    return Response::json(200, { { u"success"_s, true }, { u"data"_s, data } });
}

FakePipedriveServer::Response FakePipedriveServer::listFieldsV2(
    FieldSet set, const QUrlQuery &query)
{
    QString error;
    const auto limit = parseLimit(query, error);
    if (!limit) {
        QJsonObject e = errorEnvelope(error);
        e.insert(u"code"_s, u"ERR_SCHEMA_VALIDATION_FAILED"_s);
        return Response::json(400, e);
    }
    const auto &fields = m_dataset.fields(set);
    int begin = 0;
    if (query.hasQueryItem(u"cursor"_s)) {
        const auto cursor = decodeCursor(queryValue(query, u"cursor"_s));
        if (!cursor || cursor->value(u"field"_s).toString() != u"position")
            return Response::error(400, u"Invalid cursor"_s);
        begin = int(cursor->value(u"fieldValue"_s).toInteger());
    }
    QJsonArray data;
    const int end = qMin(int(fields.size()), begin + *limit);
    for (int i = qMax(0, begin); i < end; ++i)
        data.append(fields.at(i));
    const QJsonValue next = end < fields.size()
        ? QJsonValue(encodeCursor(u"position"_s, end, false, end))
        : QJsonValue(QJsonValue::Null);
    return Response::json(200,
        { { u"success"_s, true }, { u"data"_s, data },
            { u"additional_data"_s, QJsonObject { { u"next_cursor"_s, next } } } });
}

FakePipedriveServer::Response FakePipedriveServer::listNoteFields(const QUrlQuery &query)
{
    QString error;
    const auto limit = parseLimit(query, error);
    if (!limit)
        return Response::error(400, error);
    const int start = qMax(0, queryValue(query, u"start"_s).toInt());
    const auto &fields = m_dataset.fields(FieldSet::Note);
    QJsonArray data;
    const int end = qMin(int(fields.size()), start + *limit);
    for (int i = start; i < end; ++i)
        data.append(fields.at(i));
    QJsonObject pagination { { u"start"_s, start }, { u"limit"_s, *limit },
        { u"more_items_in_collection"_s, end < fields.size() } };
    if (end < fields.size())
        pagination.insert(u"next_start"_s, end);
    return Response::json(200,
        { { u"success"_s, true }, { u"data"_s, data },
            { u"additional_data"_s, QJsonObject { { u"pagination"_s, pagination } } } });
}

FakePipedriveServer::Response FakePipedriveServer::users(bool me)
{
    if (me) {
        const auto &table = m_dataset.table(Entity::Users);
        auto it = std::find_if(table.cbegin(), table.cend(),
            [](const auto &r) { return r.json.value(u"is_you"_s).toBool(); });
        if (it == table.cend())
            return Response::error(404, u"User not found or not accessible."_s);
        QJsonObject data = it->json;
        const QJsonObject company = m_dataset.company();
        for (auto c = company.constBegin(); c != company.constEnd(); ++c)
            data.insert(c.key(), c.value());
        return Response::json(200, { { u"success"_s, true }, { u"data"_s, data } });
    }
    const auto &table = m_dataset.table(Entity::Users);
    QList<const FakeDataset::Record *> data;
    data.reserve(table.size());
    for (const auto &r : table)
        data.append(&r);
    Response response;
    response.body = listBody(Entity::Users, data, {}, nullptr);
    return response;
}

FakePipedriveServer::Response FakePipedriveServer::activityTypes()
{
    QJsonArray data;
    for (const auto &r : m_dataset.table(Entity::ActivityTypes))
        data.append(r.json);
    return Response::json(200, { { u"success"_s, true }, { u"data"_s, data } });
}

FakePipedriveServer::Response FakePipedriveServer::listNotes(const QUrlQuery &query)
{
    QString error;
    const auto limit = parseLimit(query, error);
    if (!limit)
        return Response::error(400, error);
    bool ok = true;
    const int start = query.hasQueryItem(u"start"_s) ? queryValue(query, u"start"_s).toInt(&ok) : 0;
    if (!ok || start < 0)
        return Response::error(400, u"Invalid start parameter"_s);

    // The filtered, sorted list is cached per query (without start/limit) and dataset version,
    // so paging through it costs O(page).
    QUrlQuery keyQuery = query;
    keyQuery.removeAllQueryItems(u"start"_s);
    keyQuery.removeAllQueryItems(u"limit"_s);
    const QString key = keyQuery.toString(QUrl::FullyEncoded);
    const auto &table = m_dataset.table(Entity::Notes);
    Caches &c = *m_caches;
    if (c.notesVersion != m_dataset.version() || c.notesKey != key) {
        std::optional<qint64> since;
        if (query.hasQueryItem(u"updated_since"_s)) {
            since = parseQueryTime(queryValue(query, u"updated_since"_s));
            if (!since)
                return Response::error(400, u"Invalid updated_since parameter"_s);
        }
        std::optional<qint64> startDate, endDate;
        if (query.hasQueryItem(u"start_date"_s))
            startDate = parseTime(queryValue(query, u"start_date"_s) + u" 00:00:00"_s);
        if (query.hasQueryItem(u"end_date"_s))
            endDate = parseTime(queryValue(query, u"end_date"_s) + u" 23:59:59"_s);
        QList<std::pair<QString, qint64>> equals;
        for (const QString &k : { u"user_id"_s, u"deal_id"_s, u"person_id"_s, u"org_id"_s }) {
            if (query.hasQueryItem(k))
                equals.append({ k, queryValue(query, k).toLongLong() });
        }
        QList<std::pair<QString, bool>> flags;
        for (const QString &k :
            { u"pinned_to_lead_flag"_s, u"pinned_to_deal_flag"_s, u"pinned_to_organization_flag"_s,
                u"pinned_to_person_flag"_s, u"pinned_to_project_flag"_s }) {
            if (query.hasQueryItem(k))
                flags.append({ k, queryValue(query, k) == u"1" });
        }
        const QString leadId = queryValue(query, u"lead_id"_s);

        // sort: "field DIR, field DIR"; ties fall back to id ascending.
        struct SortKey
        {
            QString field;
            bool desc;
        };
        QList<SortKey> sortKeys;
        static const QStringList sortable = { u"id"_s, u"user_id"_s, u"deal_id"_s, u"person_id"_s,
            u"org_id"_s, u"content"_s, u"add_time"_s, u"update_time"_s };
        for (const QString &part : queryValue(query, u"sort"_s).split(u',', Qt::SkipEmptyParts)) {
            const QStringList words = part.simplified().split(u' ');
            if (words.isEmpty() || !sortable.contains(words.at(0)))
                return Response::error(400, u"Invalid sort field"_s);
            sortKeys.append({ words.at(0),
                words.size() > 1 && words.at(1).compare(u"DESC"_s, Qt::CaseInsensitive) == 0 });
        }

        c.notesIndexes.clear();
        for (int i = 0; i < table.size(); ++i) {
            const auto &r = table.at(i);
            if (since && r.updateSecs < *since)
                continue;
            if (startDate && r.addSecs < *startDate)
                continue;
            if (endDate && r.addSecs > *endDate)
                continue;
            bool keep = true;
            for (const auto &[k, v] : equals)
                keep = keep && r.json.value(k).toInteger() == v;
            for (const auto &[k, v] : flags)
                keep = keep && r.json.value(k).toBool() == v;
            if (!leadId.isEmpty())
                keep = keep && r.json.value(u"lead_id"_s).toString() == leadId;
            if (keep)
                c.notesIndexes.append(i);
        }
        if (!sortKeys.isEmpty()) {
            std::stable_sort(c.notesIndexes.begin(), c.notesIndexes.end(), [&](int a, int b) {
                const auto &ra = table.at(a), &rb = table.at(b);
                for (const auto &sk : sortKeys) {
                    int cmp = 0;
                    if (sk.field == u"id") {
                        cmp = ra.id < rb.id ? -1 : ra.id > rb.id;
                    } else if (sk.field == u"add_time" || sk.field == u"update_time") {
                        const qint64 x = sk.field == u"add_time" ? ra.addSecs : ra.updateSecs;
                        const qint64 y = sk.field == u"add_time" ? rb.addSecs : rb.updateSecs;
                        cmp = x < y ? -1 : x > y;
                    } else if (sk.field == u"content") {
                        cmp = QString::compare(
                            ra.json.value(sk.field).toString(), rb.json.value(sk.field).toString());
                    } else {
                        const qint64 x = ra.json.value(sk.field).toInteger(),
                                     y = rb.json.value(sk.field).toInteger();
                        cmp = x < y ? -1 : x > y;
                    }
                    if (cmp != 0)
                        return sk.desc ? cmp > 0 : cmp < 0;
                }
                return ra.id < rb.id;
            });
        }
        c.notesVersion = m_dataset.version();
        c.notesKey = key;
    }

    const int total = int(c.notesIndexes.size());
    const int end = int(qMin<qint64>(total, qint64(start) + *limit));
    QList<const FakeDataset::Record *> data;
    data.reserve(qMax(0, end - start));
    for (int i = start; i < end; ++i)
        data.append(&table.at(c.notesIndexes.at(i)));
    QJsonObject pagination { { u"start"_s, start }, { u"limit"_s, *limit },
        { u"more_items_in_collection"_s, end < total } };
    if (end < total)
        pagination.insert(u"next_start"_s, end);
    const QJsonObject additional { { u"pagination"_s, pagination } };
    Response response;
    response.body = listBody(Entity::Notes, data, {}, &additional);
    return response;
}

// ---- presentation -----------------------------------------------------------------------------

QJsonObject FakePipedriveServer::noteV1(const FakeDataset::Record &record) const
{
    // Notes carry convenience objects of what they link to, looked up at serving time so that
    // renames show up as they would in Pipedrive.
    QJsonObject json = record.json;
    auto titled = [&](Entity entity, const QString &idKey, const QString &field) -> QJsonValue {
        const qint64 id = json.value(idKey).toInteger();
        const FakeDataset::Record *linked = id > 0 ? m_dataset.find(entity, id) : nullptr;
        if (!linked)
            return QJsonValue::Null;
        return QJsonObject { { field,
            linked->json.value(entity == Entity::Deals ? u"title"_s : u"name"_s) } };
    };
    json.insert(u"deal"_s, titled(Entity::Deals, u"deal_id"_s, u"title"_s));
    json.insert(u"person"_s, titled(Entity::Persons, u"person_id"_s, u"name"_s));
    json.insert(u"organization"_s, titled(Entity::Organizations, u"org_id"_s, u"name"_s));
    json.insert(u"project"_s, QJsonValue::Null);
    const FakeDataset::Record *user
        = m_dataset.find(Entity::Users, json.value(u"user_id"_s).toInteger());
    if (user) {
        json.insert(u"user"_s,
            QJsonObject { { u"email"_s, user->json.value(u"email"_s) },
                { u"name"_s, user->json.value(u"name"_s) },
                { u"icon_url"_s, user->json.value(u"icon_url"_s) },
                { u"is_you"_s, user->json.value(u"is_you"_s) } });
    } else {
        json.insert(u"user"_s, QJsonValue::Null);
    }
    return json;
}

QByteArray FakePipedriveServer::listBody(Entity entity,
    const QList<const FakeDataset::Record *> &records, const QStringList &includeFields,
    const QJsonObject *additionalData) const
{
    // What changes a record's JSON besides the record itself: include_fields (the shape), and
    // the tables its additions are looked up in (counts; a note's linked names and user).
    QString shape;
    quint64 dependsOn = 0;
    auto dependOn = [&](std::initializer_list<Entity> tables) {
        for (Entity t : tables)
            dependsOn = std::max(dependsOn, m_dataset.tableVersion(t));
    };
    if (entity == Entity::Notes)
        dependOn({ Entity::Deals, Entity::Persons, Entity::Organizations, Entity::Users });
    if (!includeFields.isEmpty()
        && (entity == Entity::Persons || entity == Entity::Organizations
            || entity == Entity::Deals)) {
        shape = includeFields.join(u',');
        dependOn({ Entity::Deals, Entity::Activities, Entity::Notes, Entity::Persons });
    }
    if (entity == Entity::Activities && includeFields.contains(u"attendees"_s))
        shape = u"attendees"_s;
    // Everything the body is made of: the records (at this dataset version), their shape and
    // the additional data. A bad record is served fresh each time, so such bodies are not kept.
    const QByteArray more = additionalData ? compact(*additionalData) : QByteArray();
    QByteArray bodyKey;
    if (!m_plan.badRecords) {
        const quint64 version = m_dataset.version();
        const QByteArray fields = includeFields.join(u',').toUtf8();
        bodyKey.reserve(1 + sizeof version + fields.size() + more.size() + 2
            + records.size() * qsizetype(sizeof(qint64)));
        bodyKey.append(char(entity));
        bodyKey.append(reinterpret_cast<const char *>(&version), sizeof version);
        bodyKey.append(fields).append('\0').append(more).append('\0');
        for (const FakeDataset::Record *r : records)
            bodyKey.append(reinterpret_cast<const char *>(&r->id), sizeof r->id);
        const auto kept = m_caches->bodies.constFind(bodyKey);
        if (kept != m_caches->bodies.constEnd())
            return *kept;
    }

    Caches::JsonCache &cache = m_caches->json[int(entity)][shape];
    QList<QByteArray> jsons;
    jsons.reserve(records.size());
    qsizetype size = 0;
    for (const FakeDataset::Record *r : records) {
        jsons.append(cachedJson(entity, *r, includeFields, cache, dependsOn));
        size += jsons.constLast().size() + 1;
    }

    // QJsonDocument's bytes for {"additional_data": ..., "data": [...], "success": true}: it
    // writes the keys sorted.
    QByteArray head = additionalData ? "{\"additional_data\":" + more + "," : QByteArray("{");
    head += "\"data\":[";
    const QByteArrayView tail = "],\"success\":true}";
    QByteArray body(head.size() + size + tail.size(), Qt::Uninitialized);
    char *out = body.data();
    auto put = [&out](QByteArrayView bytes) {
        std::memcpy(out, bytes.data(), size_t(bytes.size()));
        out += bytes.size();
    };
    put(head);
    for (qsizetype i = 0; i < jsons.size(); ++i) {
        if (i > 0)
            *out++ = ',';
        put(jsons.at(i));
    }
    put(tail);
    body.truncate(out - body.constData()); // size counted a comma for every record, one too many
    if (!bodyKey.isNull()) {
        // Counted as kept: the key with its body.
        const qsizetype bytes = bodyKey.size() + body.size();
        if (m_caches->bodyBytes + bytes > Caches::MaxBodyBytes) {
            m_caches->bodies.clear();
            m_caches->bodyBytes = 0;
        }
        m_caches->bodies.insert(bodyKey, body);
        m_caches->bodyBytes += bytes;
    }
    return body;
}

QByteArray FakePipedriveServer::cachedJson(Entity entity, const FakeDataset::Record &record,
    const QStringList &includeFields, QList<CachedJson> &cache, quint64 dependsOn) const
{
    const auto &table = m_dataset.table(entity);
    const qsizetype position = &record - table.constData();
    if ((m_plan.badRecords && isBadRecord(entity, record.id)) || position < 0
        || position >= table.size())
        return compact(present(entity, record, includeFields)); // served fresh, not kept
    if (cache.size() != table.size())
        cache.resize(table.size());
    CachedJson &cached = cache[position];
    if (cached.id != record.id || cached.json.isNull()
        || cached.builtAt < std::max(record.revision, dependsOn)) {
        cached.json = compact(present(entity, record, includeFields));
        cached.builtAt = m_dataset.version();
        cached.id = record.id;
    }
    return cached.json;
}

QJsonObject FakePipedriveServer::present(
    Entity entity, const FakeDataset::Record &record, const QStringList &includeFields) const
{
    QJsonObject json = entity == Entity::Notes ? noteV1(record) : record.json;
    if (!includeFields.isEmpty()
        && (entity == Entity::Persons || entity == Entity::Organizations
            || entity == Entity::Deals)) {
        m_caches->ensureCounts(m_dataset);
        const auto &counts = entity == Entity::Persons ? m_caches->personCounts
            : entity == Entity::Organizations          ? m_caches->orgCounts
                                                       : m_caches->dealCounts;
        const Caches::Counts c = counts.value(record.id);
        for (const QString &name : includeFields) {
            QJsonValue v;
            if (name == u"first_won_time")
                v = record.json.value(u"won_time"_s);
            else if (name == u"source_lead_id")
                v = record.json.value(u"source_lead_id"_s);
            else if (name == u"open_deals_count" || name == u"related_open_deals_count")
                v = c.open;
            else if (name == u"closed_deals_count" || name == u"related_closed_deals_count")
                v = c.won + c.lost;
            else if (name == u"won_deals_count" || name == u"related_won_deals_count")
                v = c.won;
            else if (name == u"lost_deals_count" || name == u"related_lost_deals_count")
                v = c.lost;
            else if (name == u"activities_count")
                v = c.activities;
            else if (name == u"done_activities_count")
                v = c.doneActivities;
            else if (name == u"undone_activities_count")
                v = c.activities - c.doneActivities;
            else if (name == u"notes_count")
                v = c.notes;
            else if (name == u"people_count" && entity == Entity::Organizations)
                v = c.people;
            else if (name.endsWith(u"_count"_s))
                v = 0; // email_messages_count, files_count, followers_count, participant_*
            else if (name == u"next_activity_id" || name == u"last_activity_id"
                || name.startsWith(u"last_incoming"_s) || name.startsWith(u"last_outgoing"_s))
                v = QJsonValue::Null;
            else
                continue; // marketing_status, doi_status, smart_bcc_email: not in this company
            json.insert(name, v);
        }
    }
    if (entity == Entity::Activities && includeFields.contains(u"attendees"_s))
        json.insert(u"attendees"_s, QJsonArray());
    if (m_plan.badRecords && isBadRecord(entity, record.id))
        json = malformed(entity, json);
    return json;
}

QJsonObject FakePipedriveServer::malformed(Entity entity, const QJsonObject &source) const
{
    QJsonObject json = source;
    const qint64 id = source.value(u"id"_s).toInteger();
    QString label = u"name"_s;
    if (entity == Entity::Deals)
        label = u"title"_s;
    else if (entity == Entity::Activities)
        label = u"subject"_s;
    else if (entity == Entity::Notes)
        label = u"content"_s;
    // The kind of damage follows the id, so every kind shows up in a dataset of some size.
    switch ((id / 23 + int(entity)) % 8) {
    case 0:
        json.insert(u"id"_s, QString::number(id)); // id as a string
        break;
    case 1:
        json.insert(label, 12345); // text as a number
        break;
    case 2:
        json.insert(label, QJsonValue::Null); // null where a value is required
        break;
    case 3:
        json.remove(label); // missing fields
        json.remove(entity == Entity::Persons ? u"emails"_s : u"owner_id"_s);
        break;
    case 4:
        json.insert(label, QString(10000, u'x')); // a 10,000-character string
        break;
    case 5:
        if (entity == Entity::Persons)
            json.insert(u"emails"_s,
                QJsonArray { QJsonObject { { u"value"_s, u"@@not valid@@"_s },
                    { u"primary"_s, true }, { u"label"_s, u"work"_s } } });
        else if (entity == Entity::Users)
            json.insert(u"email"_s, u"not an email"_s);
        else
            json.insert(u"owner_id"_s, u"abc"_s); // a link of the wrong type
        break;
    case 6:
        json.insert(label, u"x'); DROP TABLE users; --"_s);
        break;
    case 7:
        json.insert(u"update_time"_s, u"not a date"_s);
        json.insert(u"is_deleted"_s, 0);
        break;
    }
    return json;
}

// ---- the test API -------------------------------------------------------------------------------

FakePipedriveServer::Response FakePipedriveServer::handleTestApi(const QHttpServerRequest &request)
{
    const QStringList parts = request.url().path().split(u'/', Qt::SkipEmptyParts); // "__test", ...
    const auto method = request.method();
    const QJsonDocument body = QJsonDocument::fromJson(request.body());
    auto ok = [](const QJsonValue &data) {
        return Response::json(200, { { u"success"_s, true }, { u"data"_s, data } });
    };
    if (parts.size() >= 3 && parts.at(1) == u"records") {
        const auto entity = entityFromName(parts.at(2));
        if (!entity)
            return Response::error(404, u"Unknown entity"_s);
        if (parts.size() == 3 && method == QHttpServerRequest::Method::Post) {
            if (!body.isObject())
                return Response::error(400, u"Body must be a JSON object"_s);
            return ok(QJsonObject { { u"id"_s, addRecord(*entity, body.object()) } });
        }
        if (parts.size() == 4) {
            bool isNumber = false;
            const qint64 id = parts.at(3).toLongLong(&isNumber);
            if (!isNumber)
                return Response::error(404, u"Bad id"_s);
            bool done = false;
            if (method == QHttpServerRequest::Method::Patch
                || method == QHttpServerRequest::Method::Put)
                done = body.isObject() && updateRecord(*entity, id, body.object());
            else if (method == QHttpServerRequest::Method::Delete)
                done = deleteRecord(*entity, id);
            else if (method == QHttpServerRequest::Method::Get)
                done = m_dataset.find(*entity, id) != nullptr;
            if (!done)
                return Response::error(404, u"Record not found"_s);
            const QJsonObject record = m_dataset.record(*entity, id);
            return ok(record.isEmpty() ? QJsonValue(QJsonObject { { u"id"_s, id } })
                                       : QJsonValue(record));
        }
    }
    if (parts.size() == 2 && parts.at(1) == u"filters"
        && method == QHttpServerRequest::Method::Post) {
        const QJsonObject object = body.object();
        if (!object.value(u"type"_s).isString() || !object.value(u"name"_s).isString())
            return Response::error(400, u"Body must name the filter's type and name"_s);
        return ok(QJsonObject { { u"id"_s,
            addFilter(object.value(u"type"_s).toString(), object.value(u"name"_s).toString(),
                object.value(u"conditions"_s).toObject()) } });
    }
    if (parts.size() == 2 && parts.at(1) == u"faults") {
        if (method == QHttpServerRequest::Method::Post) {
            if (!body.isObject())
                return Response::error(400, u"Body must be a JSON object"_s);
            m_plan = FaultPlan::fromJson(body.object(), m_plan);
            if (body.object().value(u"reset_counters"_s).toBool())
                resetCounters();
        }
        return ok(m_plan.toJson());
    }
    if (parts.size() == 2 && parts.at(1) == u"stats") {
        QJsonArray log;
        for (const QString &line : std::as_const(m_requestLog))
            log.append(line);
        return ok(QJsonObject { { u"request_count"_s, m_requestCount },
            { u"tokens_spent"_s, m_tokensSpent }, { u"request_log"_s, log },
            { u"faults"_s, m_plan.toJson() } });
    }
    if (parts.size() == 2 && parts.at(1) == u"reset"
        && method == QHttpServerRequest::Method::Post) {
        m_plan = FaultPlan();
        resetCounters();
        return ok(m_plan.toJson());
    }
    return Response::error(404, u"Unknown test API path"_s);
}

} // namespace pds::test
