#pragma once

#include "config/schedule.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace pds {

class Settings;

namespace scheduleKeys {
inline const char LastRun[]
    = "schedule/lastRun"; // UTC, ISO 8601: when the last scheduled sync began
inline const char KeepInTray[] = "schedule/keepInTray"; // bool, default true
} // namespace scheduleKeys

// Starts the scheduled syncs while the app runs. It looks at its Clock every half minute (and
// when asked, check()), so a suspended laptop or a changed system clock only delays a run until
// the next look; runs missed meanwhile collapse into one. The sync itself starts through the
// StartSync function, which MainWindow points at the same code path as Sync all.
class Scheduler : public QObject
{
    Q_OBJECT
public:
    // Starts a sync now; false when none can start (one is running): the run stays due.
    using StartSync = std::function<bool()>;

    explicit Scheduler(Settings &settings, QObject *parent = nullptr);

    void setClock(Clock *clock); // nullptr: the system clock
    void setTimeZone(const QTimeZone &zone); // for "daily at"; default: the system's
    void setStartSync(StartSync start);

    // Starts looking at the clock (and looks once, soon).
    void start();
    // Reads the schedule from the settings again (after the settings dialog saved). A changed
    // schedule counts from now, so that switching it on does not start a sync at once.
    void reload();

    const Schedule &schedule() const { return m_schedule; }
    bool isActive() const { return !m_schedule.isOff(); }
    QDateTime nextRun() const; // UTC; invalid when off
    QDateTime lastRun() const; // the last scheduled start (UTC); invalid if none yet
    bool keepInTray() const;

public slots:
    // Starts the sync when its time has come.
    void check();

signals:
    void nextRunChanged(const QDateTime &next);
    void syncTriggered(const QDateTime &at);

private:
    Clock &clock() const { return m_clock ? *m_clock : Clock::system(); }

    Settings &m_settings;
    Clock *m_clock = nullptr;
    QTimeZone m_zone = QTimeZone::systemTimeZone();
    StartSync m_start;
    Schedule m_schedule;
    QDateTime m_anchor; // the last scheduled start, or when the schedule was set
    QTimer m_timer;
};

} // namespace pds
