#pragma once

#include <QDateTime>
#include <QTime>
#include <QTimeZone>

namespace pds {

class Settings;

// Where "now" comes from. The app uses the system clock; tests use a ManualClock and move it, so
// that no test waits for real time to pass.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const = 0; // in UTC
    static Clock &system();
};

class ManualClock : public Clock
{
public:
    explicit ManualClock(const QDateTime &now)
        : m_now(now.toUTC())
    { }
    QDateTime now() const override { return m_now; }
    void setNow(const QDateTime &now) { m_now = now.toUTC(); }
    void advance(qint64 seconds) { m_now = m_now.addSecs(seconds); }

private:
    QDateTime m_now;
};

// When the desktop app syncs by itself (SPEC §6): never, every N hours, or daily at a time.
//
// Time: "every N hours" counts elapsed real time (UTC arithmetic), so a daylight-saving change
// neither shortens nor stretches an interval. "Daily at HH:MM" is wall-clock time in the given
// zone (the system's by default): 03:00 stays 03:00 in summer and winter. On the day the clocks
// jump forward past that time it runs right after the jump (02:30 becomes 03:30); on the day
// they fall back and the time happens twice, it runs at the first of the two.
struct Schedule
{
    enum class Kind { Off, EveryHours, DailyAt };

    Kind kind = Kind::Off;
    int everyHours = 4; // 1..MaxHours
    QTime dailyAt = QTime(3, 0);

    static constexpr int MaxHours = 168;

    bool isOff() const { return kind == Kind::Off; }

    // The first run strictly after `after` (an instant; any time spec). Invalid when off.
    // Runs missed while the app was not running collapse into one: a caller that finds the
    // answer for its last run in the past runs once, now.
    QDateTime nextRunAfter(
        const QDateTime &after, const QTimeZone &zone = QTimeZone::systemTimeZone()) const;

    // The local instant of `time` on `date` in `zone` by the rules above, in UTC.
    static QDateTime wallClock(const QDate &date, const QTime &time, const QTimeZone &zone);

    // "off", "hours", "daily" under schedule/* in the settings.
    static Schedule load(const Settings &settings);
    void save(Settings &settings) const;

    friend bool operator==(const Schedule &, const Schedule &) = default;
};

} // namespace pds
