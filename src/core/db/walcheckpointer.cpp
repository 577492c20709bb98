#include "db/walcheckpointer.h"

#include "db/database.h"
#include "logging.h"

namespace pds {

WalCheckpointer::WalCheckpointer(const DatabaseConfig &config)
    : m_thread(QStringLiteral("pds-checkpoint"), config)
{
    if (!m_thread.isOpen())
        qCInfo(lcDb) << "checkpoints in the writer's commits: no second connection:"
                     << m_thread.openError().toString();
}

WalCheckpointer::~WalCheckpointer()
{
    if (m_writer)
        m_writer->setWalHook({});
}

void WalCheckpointer::watch(Database &writer, int askFrom, int writerFrom)
{
    if (!isReady())
        return;
    m_writer = &writer;
    writer.setWalHook([this, &writer, askFrom, writerFrom](int frames) {
        if (frames >= writerFrom) {
            const DbError error = writer.checkpointWal();
            if (error.isError())
                qCDebug(lcDb) << "checkpoint in the writer failed:" << error.toString();
        } else if (frames >= askFrom) {
            ask();
        }
    });
}

void WalCheckpointer::ask()
{
    // One asked at a time: commits meanwhile find it asked.
    if (m_asked.exchange(true))
        return;
    m_thread.post([this] {
        m_asked = false;
        const DbError error = m_thread.database().checkpointWal();
        if (error.isError())
            qCDebug(lcDb) << "checkpoint failed:" << error.toString();
        else
            ++m_checkpoints;
    });
}

} // namespace pds
