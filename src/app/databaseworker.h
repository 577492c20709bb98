#pragma once

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>

namespace pds {

// One worker thread for the app's own database work (stats, problems, checks, clearing
// mappings), so the GUI thread never waits on a query. Tasks run one after another, each
// opening and closing its own connection inside the worker (a connection belongs to the thread
// that opened it). Results come back as values, in the thread that owns the worker, and only
// while the `context` object still lives.
class DatabaseWorker : public QObject
{
    Q_OBJECT
public:
    explicit DatabaseWorker(QObject *parent = nullptr);
    ~DatabaseWorker() override; // waits for the task that runs, drops the queued ones

    template<class Result>
    void run(std::function<Result()> task, QObject *context, std::function<void(Result)> done)
    {
        ++m_pending;
        QPointer<QObject> guard(context);
        post([this, task = std::move(task), guard, done = std::move(done)] {
            auto result = std::make_shared<Result>(task());
            deliver([this, result, guard, done] {
                if (guard)
                    done(std::move(*result));
                taskDone();
            });
        });
    }

    int pendingTasks() const { return m_pending; }

signals:
    void idle(); // the last queued task has delivered its result

private:
    void post(std::function<void()> job);
    void deliver(std::function<void()> job);
    void taskDone();

    QThread m_thread;
    QObject *m_inThread = nullptr; // the receiver of posted jobs, living in m_thread
    int m_pending = 0;
};

} // namespace pds
