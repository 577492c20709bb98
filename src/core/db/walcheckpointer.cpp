#include "db/walcheckpointer.h"

#include "db/database.h"
#include "logging.h"

namespace pds {

WalCheckpointer::WalCheckpointer(const DatabaseConfig &config)
{
    m_thread.setObjectName(QStringLiteral("pds-checkpoint"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    // A connection belongs to the thread that opens it.
    QMetaObject::invokeMethod(
        m_context,
        [this, config] {
            m_db = std::make_unique<Database>();
            const DbError error = m_db->open(config);
            if (error.isError()) {
                qCInfo(lcDb) << "checkpoints in the writer's commits: no second connection:"
                             << error.toString();
                m_db.reset();
                return;
            }
            m_ready = true;
        },
        Qt::BlockingQueuedConnection);
}

WalCheckpointer::~WalCheckpointer()
{
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            if (m_db)
                m_db->close();
            m_db.reset();
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void WalCheckpointer::watch(Database &writer)
{
    if (!m_ready)
        return;
    writer.setWalHook([this, &writer](int frames) {
        if (frames >= WriterFrom) {
            const DbError error = writer.checkpointWal();
            if (error.isError())
                qCDebug(lcDb) << "checkpoint in the writer failed:" << error.toString();
        } else if (frames >= AskFrom) {
            ask();
        }
    });
}

void WalCheckpointer::ask()
{
    // One asked at a time: commits meanwhile find it asked.
    if (m_asked.exchange(true))
        return;
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_asked = false;
            const DbError error = m_db->checkpointWal();
            if (error.isError())
                qCDebug(lcDb) << "checkpoint failed:" << error.toString();
            else
                ++m_checkpoints;
        },
        Qt::QueuedConnection);
}

} // namespace pds
