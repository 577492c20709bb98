#include "apiclient.h"

#include "networkthread.h"

#include <QNetworkAccessManager>
#include <QNetworkRequest>

#include <utility>

namespace pds {

ApiClient::ApiClient(QNetworkAccessManager *nam, const ApiClientConfig &config, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_config(config)
{ }

ApiRequest *ApiClient::createRequest(const QString &path, const QUrlQuery &query, QObject *parent)
{
    QUrl url = m_config.baseUrl;
    url.setPath(path);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader("x-api-token", m_config.token.toUtf8());
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("pipedrive-sync/0.1"));
    // Redirects could carry the token header to another host: never follow them.
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    ApiRequest *created = nullptr;
    if (m_config.networkThread) {
        if (!m_network)
            m_network = std::make_shared<NetworkThread>();
        created
            = new ApiRequest(m_network, request, path, m_config.timeoutMs, parent ? parent : this);
    } else {
        created = new ApiRequest(m_nam, request, path, m_config.timeoutMs, parent ? parent : this);
    }
    // Counted until it answers (or goes unanswered): requests side by side share the burst budget.
    ++m_inFlight;
    auto open = std::make_shared<bool>(true);
    const auto close = [this, open] {
        if (std::exchange(*open, false))
            --m_inFlight;
    };
    connect(created, &ApiRequest::finished, this, close);
    connect(created, &QObject::destroyed, this, close);
    return created;
}

int ApiClient::noteResponse(const ApiResponse &response, int tokenCost)
{
    ++m_requestCount;
    // A request that reached Pipedrive costs its tokens, even when it failed there.
    const int spent = response.httpStatus > 0 ? tokenCost : 0;
    m_tokensSpent += spent;
    if (response.rateLimit.isKnown()) {
        m_lastRateLimit = response.rateLimit;
        m_sinceRateLimit.start();
        emit rateLimitUpdated(m_lastRateLimit);
    }
    return spent;
}

int ApiClient::burstDelayMs() const
{
    // Keep one request of head-room in the rolling window; wait out the window when it is gone.
    // Requests still in flight will use up part of what the last answer said was left.
    const int remaining
        = m_lastRateLimit.remaining < 0 ? -1 : m_lastRateLimit.remaining - m_inFlight;
    if (m_lastRateLimit.remaining < 0 || remaining > 1 || m_lastRateLimit.resetSeconds <= 0
        || !m_sinceRateLimit.isValid())
        return 0;
    const qint64 left = qint64(m_lastRateLimit.resetSeconds * 1000) - m_sinceRateLimit.elapsed();
    if (left > 0)
        return int(left);
    // Past the time the answer gave, a rolling window may have freed one request only: while
    // one is on its way (requests side by side), its answer tells what is left; until then, wait.
    return m_inFlight > 0 ? BurstRecheckMs : 0;
}

} // namespace pds
