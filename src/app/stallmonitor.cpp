#include "stallmonitor.h"

namespace pds {

StallMonitor::StallMonitor(QObject *parent)
    : QObject(parent)
    , m_timer(this) // a child, so that moveToThread() takes it along
{
    // A precise timer: a coarse one may fire up to 5 % late by design, which is not a stall.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &StallMonitor::tick);
}

void StallMonitor::start(int intervalMs)
{
    reset();
    m_timer.start(intervalMs);
}

void StallMonitor::stop()
{
    m_timer.stop();
}

void StallMonitor::reset()
{
    m_clock.start();
    m_lastTickMs = 0;
    m_longestMs = 0;
    m_longestAtMs = 0;
    m_ticks = 0;
}

void StallMonitor::tick()
{
    const qint64 now = m_clock.elapsed();
    const qint64 late = now - m_lastTickMs - m_timer.interval();
    if (late > m_longestMs) {
        m_longestMs = late;
        m_longestAtMs = now;
    }
    m_lastTickMs = now;
    ++m_ticks;
}

} // namespace pds
