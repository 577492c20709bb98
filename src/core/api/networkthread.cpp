#include "networkthread.h"

#include "threadpolicy.h"

#include <QNetworkAccessManager>

namespace pds {

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
        m_context,
        [this, job, request, path] {
            QNetworkReply *reply = m_nam->get(request);
            job->reply = reply;
            QObject::connect(reply, &QNetworkReply::finished, m_context, [job, reply, path] {
                job->reply = nullptr;
                ApiResponse response = interpretReply(
                    readReply(reply, job->timedOut, job->cancelled && !job->timedOut), path);
                reply->deleteLater();
                if (job->onParsed && response.ok())
                    job->onParsed(response);
                const QMutexLocker lock(&job->mutex);
                if (ApiRequest *owner = job->owner) {
                    // Posted under the lock: a request deleted later takes the call with it.
                    QMetaObject::invokeMethod(
                        owner, [owner, response] { owner->deliver(response); },
                        Qt::QueuedConnection);
                }
            });
        },
        Qt::QueuedConnection);
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
