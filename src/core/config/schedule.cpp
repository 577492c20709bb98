#include "schedule.h"

#include "settings.h"

using namespace Qt::StringLiterals;

namespace pds {

namespace {

class SystemClock : public Clock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

const QString KindKey = u"schedule/kind"_s;
const QString HoursKey = u"schedule/everyHours"_s;
const QString TimeKey = u"schedule/dailyAt"_s;

} // namespace

Clock &Clock::system()
{
    static SystemClock clock;
    return clock;
}

QDateTime Schedule::wallClock(const QDate &date, const QTime &time, const QTimeZone &zone)
{
    // The wall-clock time read as if it were UTC; the zone's offsets around that day turn it
    // into the instants that show `time` on `date` there: one, two (clocks fall back) or none
    // (clocks jump forward).
    const QDateTime naive(date, time, Qt::UTC);
    QDateTime best;
    for (const qint64 shift : { -86400, 0, 86400 }) {
        const QDateTime instant = naive.addSecs(-zone.offsetFromUtc(naive.addSecs(shift)));
        const QDateTime local = instant.toTimeZone(zone);
        if (local.date() == date && local.time() == time && (!best.isValid() || instant < best))
            best = instant;
    }
    if (best.isValid())
        return best;
    // In the gap: with the offset from before the jump, which lands as far after the jump.
    return naive.addSecs(-zone.offsetFromUtc(naive.addSecs(-86400)));
}

QDateTime Schedule::nextRunAfter(const QDateTime &after, const QTimeZone &zone) const
{
    if (!after.isValid())
        return {};
    switch (kind) {
    case Kind::Off:
        return {};
    case Kind::EveryHours:
        return after.toUTC().addSecs(qint64(qBound(1, everyHours, MaxHours)) * 3600);
    case Kind::DailyAt: {
        const QTime time
            = dailyAt.isValid() ? QTime(dailyAt.hour(), dailyAt.minute()) : QTime(3, 0);
        const QDate today = after.toTimeZone(zone).date();
        for (int day = 0; day <= 2; ++day) {
            const QDateTime candidate = wallClock(today.addDays(day), time, zone);
            if (candidate > after)
                return candidate;
        }
        return {};
    }
    }
    return {};
}

Schedule Schedule::load(const Settings &settings)
{
    Schedule schedule;
    const QString kind = settings.value(KindKey).toString();
    if (kind == "hours"_L1)
        schedule.kind = Kind::EveryHours;
    else if (kind == "daily"_L1)
        schedule.kind = Kind::DailyAt;
    schedule.everyHours
        = qBound(1, settings.value(HoursKey, schedule.everyHours).toInt(), MaxHours);
    const QTime time = QTime::fromString(settings.value(TimeKey).toString(), u"HH:mm"_s);
    if (time.isValid())
        schedule.dailyAt = time;
    return schedule;
}

void Schedule::save(Settings &settings) const
{
    settings.setValue(KindKey,
        kind == Kind::EveryHours    ? u"hours"_s
            : kind == Kind::DailyAt ? u"daily"_s
                                    : u"off"_s);
    settings.setValue(HoursKey, qBound(1, everyHours, MaxHours));
    settings.setValue(TimeKey, dailyAt.toString(u"HH:mm"_s));
}

} // namespace pds
