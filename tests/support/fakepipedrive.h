#pragma once

#include <functional>

#include "fakedataset.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonObject>
#include <QStringList>
#include <QUrl>

#include <deque>
#include <memory>

class QTcpSocket;

namespace pds::test {

// One armed fault: the next `count` API requests after `afterRequests` more requests get it.
struct ArmedFault
{
    int count = 0;
    int afterRequests = 0;
    int param = 0; // 429: Retry-After seconds; server error: HTTP status
    QString path {}; // only requests for this path (e.g. "/api/v2/deals"), counted; empty: any

    bool armed() const { return count > 0; }
};

// Every fault and limit switch of the fake; settable in C++, over HTTP (POST /__test/faults
// with the JSON form) and from the standalone's command line.
//   {"latency_ms": 0, "burst_limit": 0, "daily_budget": 0, "bad_records": false,
//    "fail_429": {"count": 1, "retry_after": 1, "after": 0},
//    "server_error": {"count": 1, "status": 500, "after": 0},
//    "drop": {"count": 1, "after": 0}, "cut_body": {...}, "html_403": {...},
//    (each fault may name a "path": only requests for it count and fail)
//    "reset_counters": true}
struct FaultPlan
{
    int latencyMs = 0;
    int burstLimit = 0; // requests per rolling 2 s; 0 = off
    int dailyBudget = 0; // tokens; 0 = unlimited
    bool badRecords = false;
    ArmedFault tooManyRequests;
    ArmedFault serverError;
    ArmedFault dropConnection;
    ArmedFault cutBody;
    ArmedFault html403;

    QJsonObject toJson() const;
    // Keys absent from `json` keep their value from `base`.
    static FaultPlan fromJson(const QJsonObject &json, const FaultPlan &base);
    static FaultPlan fromJson(const QJsonObject &json);
};

// An in-process fake of the Pipedrive REST API (v1 users/notes/activityTypes/noteFields/filters, v2
// organizations/persons/deals/activities/pipelines/stages/*Fields) on 127.0.0.1. It writes raw
// HTTP/1.1 on the socket, so it can also delay, drop, cut and garble responses. Single-threaded:
// keep the owner's event loop spinning while a client waits on it.
class FakePipedriveServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    explicit FakePipedriveServer(QObject *parent = nullptr);
    ~FakePipedriveServer() override;

    void setDataset(FakeDataset dataset);
    void generate(quint32 seed, const DatasetSizes &sizes);
    const FakeDataset &dataset() const { return m_dataset; }

    // Binds to address:port (0 = any free port); returns the port, 0 on failure.
    quint16 listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const { return m_port; }
    QUrl baseUrl() const; // http://127.0.0.1:PORT

    void setApiToken(const QString &token); // default "test-token"
    QString apiToken() const { return m_token; }

    // Faults and limits. "after" counts API requests (not /__test/ ones) from now on.
    void setLatencyMs(int ms);
    void setBurstLimit(int requestsPerTwoSeconds);
    void failNext429(int count, int retryAfterSeconds = 1, int afterRequests = 0);
    void setDailyBudget(int tokens);
    void failNextServerError(int count, int status = 500, int afterRequests = 0);
    // Aborts the connection without an answer. QNetworkAccessManager resends on its own after
    // some drops (its per-connection reconnect attempts), so a client may never see one drop.
    void dropNextConnections(int count, int afterRequests = 0);
    // Announces the full Content-Length, sends half the body, closes the connection.
    void cutNextBodies(int count, int afterRequests = 0);
    void failNextHtml403(int count, int afterRequests = 0, const QString &path = {});
    void setBadRecords(bool on);
    FaultPlan faultPlan() const { return m_plan; }
    void setFaultPlan(const FaultPlan &plan);

    // Counters over API requests. Tokens are charged for 200 responses only, at the cost the
    // OpenAPI files give (x-token-cost); requestLog holds path?query with any api_token removed.
    int requestCount() const { return m_requestCount; }
    int tokensSpent() const { return m_tokensSpent; }
    QList<QString> requestLog() const { return m_requestLog; }
    void resetCounters();

    // The test-only data API (also over HTTP under /__test/records/...).
    qint64 addRecord(Entity entity, QJsonObject record);
    bool updateRecord(Entity entity, qint64 id, const QJsonObject &patch);
    bool deleteRecord(Entity entity, qint64 id);

    // Time passing on Pipedrive's side: what the test API changes from now on is stamped this
    // many seconds later than the clock says.
    void setClockOffsetSecs(qint64 secs) { m_clockOffsetSecs = secs; }
    // Runs `action` once, just before the (afterRequests + 1)th request for `path` is answered:
    // a change made in Pipedrive while a sync reads a list.
    void beforeRequest(const QString &path, int afterRequests, std::function<void()> action);

    // A saved filter (GET /api/v1/filters, and filter_id on the v2 lists); also over HTTP:
    // POST /__test/filters {"type": "deals", "name": "...", "conditions": {"status": "won"}}.
    qint64 addFilter(const QString &type, const QString &name, const QJsonObject &conditions);

    // Whether a record of the given entity is served malformed while bad records are on.
    static bool isBadRecord(Entity entity, qint64 id);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Response;
    struct CachedJson;
    struct Caches;

    Response handleApi(const QHttpServerRequest &request);
    Response handleTestApi(const QHttpServerRequest &request);
    Response route(const QString &path, const QUrlQuery &query, int &cost);
    Response listV2(Entity entity, const QString &path, const QUrlQuery &query);
    Response listFieldsV2(FieldSet set, const QUrlQuery &query);
    Response listNotes(const QUrlQuery &query);
    Response listNoteFields(const QUrlQuery &query);
    Response users(bool me);
    Response activityTypes();
    Response filters(const QUrlQuery &query);
    // A list's JSON body (with additional_data if given) around its records as present() gives
    // them; each record's JSON comes from the cache while still current.
    QByteArray listBody(Entity entity, const QList<const FakeDataset::Record *> &records,
        const QStringList &includeFields, const QJsonObject *additionalData) const;
    QByteArray cachedJson(Entity entity, const FakeDataset::Record &record,
        const QStringList &includeFields, QList<CachedJson> &cache, quint64 dependsOn) const;
    QJsonObject present(
        Entity entity, const FakeDataset::Record &record, const QStringList &includeFields) const;
    QJsonObject noteV1(const FakeDataset::Record &record) const;
    QJsonObject malformed(Entity entity, const QJsonObject &json) const;
    void addRateHeaders(Response &response, bool burstRejected, int retryAfter);
    void deliver(QTcpSocket *socket, const Response &response, bool keepAlive, int latencyMs);
    static bool takeFault(ArmedFault &fault, const QString &path, bool &eligible);
    QDateTime now() const;

    FakeDataset m_dataset;
    QString m_token = QStringLiteral("test-token");
    quint16 m_port = 0;
    FaultPlan m_plan;
    int m_requestCount = 0;
    int m_tokensSpent = 0;
    QList<QString> m_requestLog;
    QElapsedTimer m_clock;
    qint64 m_clockOffsetSecs = 0;
    struct PendingAction
    {
        QString path;
        int after = 0;
        std::function<void()> action;
    };
    QList<PendingAction> m_beforeRequest;
    std::deque<qint64> m_window; // accepted requests of the rolling burst window (ms)
    std::unique_ptr<Caches> m_caches;
};

} // namespace pds::test
