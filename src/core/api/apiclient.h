#pragma once

#include "apierror.h"
#include "apirequest.h"
#include "endpoint.h"

#include <QElapsedTimer>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>

#include <memory>

class QNetworkAccessManager;

namespace pds {

struct ApiClientConfig
{
    QUrl baseUrl; // from baseUrlForCompany()
    QString token; // sent only as the x-api-token header
    int timeoutMs = 60000; // per request
    // Read and parse replies on a thread of their own (NetworkThread) instead of the client's.
    bool networkThread = false;
};

// Builds authenticated requests and keeps what every response says about the limits. Lives in
// the thread of the QNetworkAccessManager it is given (with networkThread, the replies are read
// on a thread of the client's own; requests and answers still come and go in this thread).
class ApiClient : public QObject
{
    Q_OBJECT
public:
    ApiClient(QNetworkAccessManager *nam, const ApiClientConfig &config, QObject *parent = nullptr);

    // A request for path (e.g. "/api/v1/users/me") with query; not started. It belongs to parent.
    ApiRequest *createRequest(
        const QString &path, const QUrlQuery &query = {}, QObject *parent = nullptr);
    // Counts a finished request and its token cost, and remembers the rate-limit headers.
    // Returns the tokens counted for it.
    int noteResponse(const ApiResponse &response, int tokenCost);

    // How long to hold the next request so as to stay under the burst limit (0 = send now); a
    // caller asks again when that time is up (BurstRecheckMs: an answer is awaited).
    int burstDelayMs() const;
    static constexpr int BurstRecheckMs = 50;

    const ApiClientConfig &config() const { return m_config; }
    int requestCount() const { return m_requestCount; }
    qint64 tokensSpent() const { return m_tokensSpent; }
    RateLimitInfo lastRateLimit() const { return m_lastRateLimit; }

signals:
    void rateLimitUpdated(const pds::RateLimitInfo &info);

private:
    QNetworkAccessManager *m_nam;
    std::shared_ptr<NetworkThread> m_network; // with config.networkThread, made at first use
    ApiClientConfig m_config;
    int m_requestCount = 0;
    int m_inFlight = 0; // created and not answered yet
    qint64 m_tokensSpent = 0;
    RateLimitInfo m_lastRateLimit;
    QElapsedTimer m_sinceRateLimit; // how old m_lastRateLimit is
};

} // namespace pds
