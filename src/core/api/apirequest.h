#pragma once

#include "apierror.h"
#include "mapping/json.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace pds {

// What one request produced: a parsed Pipedrive envelope, or a typed error.
struct ApiResponse
{
    ApiError error;
    int httpStatus = 0;
    json::Object body; // the whole envelope on success
    RateLimitInfo rateLimit;
    qint64 bytes = 0;
    qint64 elapsedMs = 0;

    bool ok() const { return !error.isError(); }
};

// Turns what came off the wire into an ApiResponse. Separate from the network code so each rule
// (status codes, HTML pages, cut bodies, envelopes) is testable on its own.
struct RawReply
{
    int httpStatus = 0;
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QString networkErrorString;
    QByteArray contentType;
    qint64 contentLength = -1; // the announced Content-Length, -1 if none
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    bool timedOut = false;
    bool cancelled = false;
};
ApiResponse interpretReply(const RawReply &raw, const QString &path);
// What a finished reply holds (read in the reply's thread).
RawReply readReply(QNetworkReply *reply, bool timedOut, bool cancelled);
// The cursor of the next page that a cursor-paged list's answer gives in its additional_data;
// empty on the last page.
QString nextCursor(const json::Object &additionalData);

class NetworkThread;
struct NetworkJob;
RateLimitInfo parseRateLimitHeaders(const QList<QNetworkReply::RawHeaderPair> &headers);

// One HTTP GET with its own timeout: started once, finishes once, then deletes itself later.
class ApiRequest : public QObject
{
    Q_OBJECT
public:
    ApiRequest(QNetworkAccessManager *nam, const QNetworkRequest &request, const QString &path,
        int timeoutMs, QObject *parent = nullptr);
    // The reply is read and parsed on the network thread; finished() still comes in this thread.
    ApiRequest(std::shared_ptr<NetworkThread> network, const QNetworkRequest &request,
        const QString &path, int timeoutMs, QObject *parent = nullptr);
    ~ApiRequest() override;

    // Called with a successful answer as soon as it is parsed, before finished(): on the network
    // thread when there is one, so that the caller's consumer can start on it there and then.
    // Must be thread-safe. Set before start().
    using ParsedHook = std::function<void(const ApiResponse &)>;
    void setOnParsed(ParsedHook hook) { m_onParsed = std::move(hook); }
    // A cursor-paged list read to its end: the network thread may ask for the answer's next page
    // (its next_cursor) as soon as this one is parsed, one page ahead; asking for it then takes
    // that answer. Set before start().
    void setReadAhead(bool readAhead) { m_readAhead = readAhead; }

    void start();
    void cancel();
    const ApiResponse &response() const { return m_response; }
    QString path() const { return m_path; }

    // The network thread's answer (called in this request's thread).
    void deliver(const pds::ApiResponse &response);

signals:
    void finished();

private:
    void onReplyFinished();
    void onTimeout();
    void finish();

    QNetworkAccessManager *m_nam = nullptr;
    std::shared_ptr<NetworkThread> m_network;
    std::shared_ptr<NetworkJob> m_job;
    QNetworkRequest m_request;
    QString m_path;
    int m_timeoutMs;
    QPointer<QNetworkReply> m_reply;
    QTimer m_timer;
    QElapsedTimer m_elapsed;
    bool m_timedOut = false;
    bool m_cancelled = false;
    bool m_done = false;
    ApiResponse m_response;
    ParsedHook m_onParsed;
    bool m_readAhead = false;
};

} // namespace pds
