#pragma once

#include "apirequest.h"

#include <QMutex>
#include <QThread>

#include <atomic>
#include <memory>

class QNetworkAccessManager;

namespace pds {

// One GET handed to a NetworkThread. The ApiRequest that owns it lives in the caller's thread;
// the reply lives in the network thread and is touched only there.
struct NetworkJob
{
    QMutex mutex;
    ApiRequest *owner = nullptr; // nulled (under mutex) when the request goes away
    std::atomic<bool> timedOut = false;
    std::atomic<bool> cancelled = false;
    QNetworkReply *reply = nullptr; // network thread only
    ApiRequest::ParsedHook onParsed; // set before get(), called on the network thread
};

// A thread of its own for HTTP: a reply is read and its JSON parsed there, so that the next page
// arrives parsed while the sync thread is still writing the one before (parsing was a fifth of
// the sync thread's time). Requests are still made and answered one by one through ApiRequest.
class NetworkThread
{
public:
    NetworkThread();
    ~NetworkThread(); // aborts what is still in flight and stops the thread
    NetworkThread(const NetworkThread &) = delete;
    NetworkThread &operator=(const NetworkThread &) = delete;

    // Sends the request; the answer comes to job->owner (if it is still there) as a queued call
    // of ApiRequest::deliver() in the owner's thread.
    void get(const std::shared_ptr<NetworkJob> &job, const QNetworkRequest &request,
        const QString &path);
    // Aborts the job's reply (it then answers as cancelled or timed out, as the job's flags say).
    void abort(const std::shared_ptr<NetworkJob> &job);

private:
    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread
    QNetworkAccessManager *m_nam = nullptr; // created and deleted in m_thread
};

} // namespace pds
