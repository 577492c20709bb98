#pragma once

#include "apiclient.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

namespace pds {

// How hard to try before a transient failure stops the run (SPEC §5).
struct RetryPolicy
{
    int maxAttempts = 6; // per page, for 5xx, network faults, timeouts, cut bodies
    int baseDelayMs = 1000; // exponential backoff with jitter from here ...
    int maxDelayMs = 60000; // ... capped here
    int maxRateLimitWaits = 10; // consecutive 429s before the budget is taken as spent
    // A 429 that asks for a longer wait than this is the daily budget, not the burst limit.
    int maxRateLimitWaitMs = 300000;
    // The sync engine's patience with a database that went away (a PostgreSQL restart): this
    // many reconnects, the first after dbReconnectDelayMs, each wait twice the last (max 8 s).
    int dbReconnectAttempts = 8;
    int dbReconnectDelayMs = 250;

    static RetryPolicy none() { return { 1, 0, 0, 0, 0, 0, 0 }; }
};

struct ApiPage
{
    json::Array items;
    json::Object additionalData;
    json::Object relatedObjects; // v1 only
    QString position; // where this page started ("" = the beginning)
    QString nextPosition; // where the next page starts; empty when this is the last
    bool last = true;
    int index = 0; // 0-based page number within this pager's run
};

// Reads one list endpoint page by page: v2 cursors, v1 offsets, or a single unpaged answer that
// still follows pagination if Pipedrive ever adds it. Retries transient failures with backoff,
// waits out rate limits, and emits exactly one pageReady or failed per fetchNext().
class Pager : public QObject
{
    Q_OBJECT
public:
    Pager(ApiClient *client, const Endpoint &endpoint, const QUrlQuery &query = {},
        int pageSize = 500, QObject *parent = nullptr);

    void setRetryPolicy(const RetryPolicy &policy) { m_policy = policy; }
    // Start from a position a previous run saved (a cursor, or an offset for v1).
    void resumeFrom(const QString &position);
    QString position() const { return m_position; }
    bool atEnd() const { return m_atEnd; }
    bool isBusy() const { return m_busy; }
    const Endpoint &endpoint() const { return m_endpoint; }
    // The answers this pager had, failed ones and retries included, and the tokens they cost
    // (as ApiClient counts them), so that a caller can tell whose they were.
    int responses() const { return m_responses; }
    qint64 tokens() const { return m_tokens; }
    // Milliseconds it held its requests back to stay under the burst limit the answers reported,
    // before sending; a retry's wait, which keeps under it too, is not counted here.
    qint64 pacedMs() const { return m_pacedMs; }
    // Each successful answer's items as soon as they are parsed, in page order, before
    // pageReady() brings the page (ApiRequest::setOnParsed(): maybe on another thread).
    using ItemsHook = std::function<void(const json::Array &items)>;
    void setOnItems(ItemsHook hook) { m_onItems = std::move(hook); }
    // The caller reads the list to its end: on a network thread, each cursor page's next one is
    // asked for as soon as the page is parsed (ApiRequest::setReadAhead()), before fetchNext().
    void setReadAhead(bool readAhead) { m_readAhead = readAhead; }
    // The records of an answer: its data array (a single object is a page of one).
    static json::Array itemsOf(const json::Object &body);

    void fetchNext();
    void cancel();

signals:
    void pageReady(const pds::ApiPage &page);
    void failed(const pds::ApiError &error);
    // A transient failure: the same page is asked again after delayMs.
    void retrying(const pds::ApiError &error, int attempt, int delayMs);

private:
    void sendWhenAllowed();
    void send();
    void onFinished();
    void scheduleRetry(const ApiError &error, int delayMs);
    int backoffMs(int attempt) const;

    ApiClient *m_client;
    Endpoint m_endpoint;
    QUrlQuery m_query;
    int m_pageSize;
    RetryPolicy m_policy;
    QString m_position;
    bool m_atEnd = false;
    bool m_busy = false;
    int m_attempt = 0;
    int m_rateLimitWaits = 0;
    int m_pageIndex = 0;
    int m_responses = 0;
    qint64 m_pacedMs = 0;
    qint64 m_tokens = 0;
    QPointer<ApiRequest> m_request;
    ItemsHook m_onItems;
    bool m_readAhead = false;
    QTimer m_delay;
};

} // namespace pds
