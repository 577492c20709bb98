#pragma once

#include "db/database.h"
#include "db/dberror.h"

#include <QThread>

#include <functional>

namespace pds {

// A thread with a connection of its own to a database (a connection belongs to the thread that
// opens it): work posted to it runs there, in order.
class DatabaseThread
{
public:
    // Starts the thread and opens the connection in it; isOpen() and openError() tell how.
    DatabaseThread(const QString &name, const DatabaseConfig &config);
    // Closes the connection in the thread after the work posted before, then stops the thread.
    ~DatabaseThread();
    DatabaseThread(const DatabaseThread &) = delete;
    DatabaseThread &operator=(const DatabaseThread &) = delete;

    bool isOpen() const { return m_openError.isOk(); } // the connection opened
    const DbError &openError() const { return m_openError; }
    Database &database() { return m_db; } // in the thread only
    void post(std::function<void()> work); // from any thread
    void runAndWait(std::function<void()> work); // from another thread

private:
    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread
    Database m_db; // used in m_thread only
    DbError m_openError;
};

} // namespace pds
