#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace pds {

// Measures how long the event loop of the thread it lives in stays away: a short repeating
// timer notes how late each tick comes. A loop that only draws ticks on time; anything that
// blocks it (a database query, a long computation) shows up as a stall. Qt Core only, so the
// benchmark can reuse it.
class StallMonitor : public QObject
{
    Q_OBJECT
public:
    explicit StallMonitor(QObject *parent = nullptr);

    void start(int intervalMs = 5);
    void stop();
    void reset();
    bool isRunning() const { return m_timer.isActive(); }

    // The longest time beyond the interval that a tick came late, since start() or reset().
    qint64 longestStallMs() const { return m_longestMs; }
    // When the longest stall ended, in ms since start() or reset(): which phase caused it.
    qint64 longestStallAtMs() const { return m_longestAtMs; }
    qint64 ticks() const { return m_ticks; }

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTickMs = 0;
    qint64 m_longestMs = 0;
    qint64 m_longestAtMs = 0;
    qint64 m_ticks = 0;
};

} // namespace pds
