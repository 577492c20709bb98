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
        m_lastFrames = frames;
        if (frames >= writerFrom) {
            const DbError error = writer.checkpointWal();
            if (error.isError())
                qCDebug(lcDb) << "checkpoint in the writer failed:" << error.toString();
        } else if (frames >= askFrom && (frames < m_askedAt || frames - m_askedAt >= askFrom)) {
            // Once per askFrom frames the log grew (or again after it started over), not on
            // every commit past askFrom: the log starts over only when the writer begins after a
            // checkpoint that copied all of it, which the writer, committing on, rarely does, so
            // it stayed past askFrom and every commit asked (two fdatasync()s each).
            m_askedAt = frames;
            ++m_asks;
            ask();
        }
    });
}

void WalCheckpointer::catchUp()
{
    if (m_writer && m_lastFrames != m_askedAt) {
        m_askedAt = m_lastFrames;
        ++m_asks;
        ask();
    }
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
