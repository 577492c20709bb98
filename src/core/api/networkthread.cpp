#include "networkthread.h"

#include "threadpolicy.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>

#include <algorithm>

namespace pds {

namespace {
constexpr int AheadHeadroom = 4; // requests the rate limit window must have left
constexpr size_t MaxAhead = 4; // pages asked for ahead and not taken, at most

// The same resource and the same query items, however each URL spells them (a URL read ahead
// was taken apart and put together again).
bool sameRequest(const QUrl &a, const QUrl &b)
{
    return a.adjusted(QUrl::RemoveQuery) == b.adjusted(QUrl::RemoveQuery)
        && QUrlQuery(a).queryItems(QUrl::FullyDecoded)
        == QUrlQuery(b).queryItems(QUrl::FullyDecoded);
}
} // namespace

NetworkThread::NetworkThread()
{
    m_thread.setObjectName(QStringLiteral("pds-network"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    // A QNetworkAccessManager belongs to the thread that creates it.
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            // Serves the sync thread, as does the HTTP thread the manager starts from here
            // (it inherits the policy): see serveOtherThreads().
            serveOtherThreads();
            m_nam = new QNetworkAccessManager(m_context);
        },
        Qt::BlockingQueuedConnection);
}

NetworkThread::~NetworkThread()
{
    // Deleting the manager aborts and deletes its replies, in their thread.
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            delete m_nam;
            m_nam = nullptr;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void NetworkThread::get(
    const std::shared_ptr<NetworkJob> &job, const QNetworkRequest &request, const QString &path)
{
    QMetaObject::invokeMethod(
        m_context, [this, job, request, path] { send(job, request, path); }, Qt::QueuedConnection);
}

void NetworkThread::send(
    const std::shared_ptr<NetworkJob> &job, const QNetworkRequest &request, const QString &path)
{
    // Asked for ahead already: its answer, or the reply on its way, is this job's.
    const auto ahead
        = std::find_if(m_ahead.begin(), m_ahead.end(), [&](const std::shared_ptr<Ahead> &a) {
              return sameRequest(a->request.url(), request.url());
          });
    if (ahead != m_ahead.end()) {
        const std::shared_ptr<Ahead> taken = *ahead;
        m_ahead.erase(ahead);
        if (taken->response)
            return answer(job, *taken->response, taken->request, path);
        taken->job = job;
        job->reply = taken->reply;
        return;
    }
    QNetworkReply *reply = m_nam->get(request);
    job->reply = reply;
    QObject::connect(reply, &QNetworkReply::finished, m_context,
        [this, job, reply, request, path] { finish(job, reply, request, path); });
}

void NetworkThread::finish(const std::shared_ptr<NetworkJob> &job, QNetworkReply *reply,
    const QNetworkRequest &request, const QString &path)
{
    job->reply = nullptr;
    const ApiResponse response
        = interpretReply(readReply(reply, job->timedOut, job->cancelled && !job->timedOut), path);
    reply->deleteLater();
    answer(job, response, request, path);
}

void NetworkThread::answer(const std::shared_ptr<NetworkJob> &job, const ApiResponse &response,
    const QNetworkRequest &request, const QString &path)
{
    if (job->onParsed && response.ok())
        job->onParsed(response);
    if (job->readAhead && response.ok() && !job->cancelled)
        readAhead(request, response, path);
    const QMutexLocker lock(&job->mutex);
    if (ApiRequest *owner = job->owner) {
        // Posted under the lock: a request deleted later takes the call with it.
        QMetaObject::invokeMethod(
            owner, [owner, response] { owner->deliver(response); }, Qt::QueuedConnection);
    }
}

void NetworkThread::readAhead(
    const QNetworkRequest &request, const ApiResponse &response, const QString &path)
{
    // The caller asks for the next page once this one reaches it, through its own event loop
    // (the sync thread, between records it writes): about 2 ms later, with no request on its way
    // meanwhile. Asked for here it travels meanwhile. One page ahead only (an answer taken asks
    // for the next), and not where the answer left little room in the rate limit's window.
    const QString next
        = nextCursor(response.body.value(QLatin1String("additional_data")).toObject());
    if (next.isEmpty())
        return;
    if (response.rateLimit.remaining >= 0 && response.rateLimit.remaining < AheadHeadroom)
        return;
    QUrl url = request.url();
    QUrlQuery query(url);
    query.removeAllQueryItems(QStringLiteral("cursor"));
    query.addQueryItem(QStringLiteral("cursor"), next);
    url.setQuery(query);
    auto ahead = std::make_shared<Ahead>();
    ahead->request = request;
    ahead->request.setUrl(url);
    ahead->path = path;
    ahead->reply = m_nam->get(ahead->request);
    QObject::connect(ahead->reply, &QNetworkReply::finished, m_context, [this, ahead] {
        QNetworkReply *reply = std::exchange(ahead->reply, nullptr);
        if (ahead->job) // taken while on its way
            return finish(ahead->job, reply, ahead->request, ahead->path);
        reply->deleteLater();
        ahead->response = interpretReply(readReply(reply, false, false), ahead->path);
    });
    // Never taken (a run that stopped): the oldest goes.
    if (m_ahead.size() >= MaxAhead) {
        if (QNetworkReply *reply = m_ahead.front()->reply)
            reply->abort();
        m_ahead.erase(m_ahead.begin());
    }
    m_ahead.push_back(std::move(ahead));
}

void NetworkThread::abort(const std::shared_ptr<NetworkJob> &job)
{
    // Queued after the job's get(): the reply exists then, unless it has finished already.
    QMetaObject::invokeMethod(
        m_context,
        [job] {
            if (job->reply)
                job->reply->abort();
        },
        Qt::QueuedConnection);
}

} // namespace pds
