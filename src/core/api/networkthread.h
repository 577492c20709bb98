#pragma once

#include "apirequest.h"

#include <QMutex>
#include <QThread>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

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
    bool readAhead = false; // set before get(): see ApiRequest::setReadAhead()
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
    // A next page asked for ahead (network thread only), until a get() of its URL takes it.
    struct Ahead
    {
        QNetworkRequest request;
        QString path;
        QNetworkReply *reply = nullptr; // until it has answered
        std::optional<ApiResponse> response; // its answer, not taken yet
        std::shared_ptr<NetworkJob> job; // took it while it was on its way
    };
    void send(const std::shared_ptr<NetworkJob> &job, const QNetworkRequest &request,
        const QString &path);
    // A job's reply has ended: its answer read and handed on.
    void finish(const std::shared_ptr<NetworkJob> &job, QNetworkReply *reply,
        const QNetworkRequest &request, const QString &path);
    void answer(const std::shared_ptr<NetworkJob> &job, const ApiResponse &response,
        const QNetworkRequest &request, const QString &path);
    void readAhead(
        const QNetworkRequest &request, const ApiResponse &response, const QString &path);

    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread
    QNetworkAccessManager *m_nam = nullptr; // created and deleted in m_thread
    std::vector<std::shared_ptr<Ahead>> m_ahead; // m_thread only
};

} // namespace pds
