#include "scheduler.h"

#include "config/settings.h"
#include "uilogging.h"

namespace pds {

namespace {

QString key(const char *name)
{
    return QString::fromLatin1(name);
}

} // namespace

Scheduler::Scheduler(Settings &settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
{
    m_timer.setInterval(30 * 1000);
    connect(&m_timer, &QTimer::timeout, this, &Scheduler::check);
    m_schedule = Schedule::load(m_settings);
    const QDateTime last = lastRun();
    m_anchor = last.isValid() ? last : clock().now();
}

void Scheduler::setClock(Clock *clock)
{
    m_clock = clock;
    // The anchor of a schedule that never ran is "when it was set": now, by the new clock.
    if (!lastRun().isValid())
        m_anchor = this->clock().now();
    emit nextRunChanged(nextRun());
}

void Scheduler::setTimeZone(const QTimeZone &zone)
{
    m_zone = zone;
    emit nextRunChanged(nextRun());
}

void Scheduler::setStartSync(StartSync start)
{
    m_start = std::move(start);
}

void Scheduler::start()
{
    m_timer.start();
    QMetaObject::invokeMethod(this, &Scheduler::check, Qt::QueuedConnection);
}

void Scheduler::reload()
{
    const Schedule schedule = Schedule::load(m_settings);
    if (schedule == m_schedule)
        return;
    m_schedule = schedule;
    m_anchor = clock().now();
    qCInfo(lcUi) << "schedule changed; next scheduled sync:" << nextRun();
    emit nextRunChanged(nextRun());
}

QDateTime Scheduler::nextRun() const
{
    return m_schedule.nextRunAfter(m_anchor, m_zone);
}

QDateTime Scheduler::lastRun() const
{
    QDateTime last = QDateTime::fromString(
        m_settings.value(key(scheduleKeys::LastRun)).toString(), Qt::ISODate);
    return last.isValid() ? last.toUTC() : QDateTime();
}

bool Scheduler::keepInTray() const
{
    return m_settings.value(key(scheduleKeys::KeepInTray), true).toBool();
}

void Scheduler::check()
{
    const QDateTime next = nextRun();
    const QDateTime now = clock().now();
    if (!next.isValid() || next > now || !m_start)
        return;
    if (!m_start()) {
        qCInfo(lcUi) << "scheduled sync due, but a sync is running: trying again later";
        return;
    }
    m_anchor = now;
    m_settings.setValue(key(scheduleKeys::LastRun), now.toString(Qt::ISODateWithMs));
    m_settings.sync();
    qCInfo(lcUi) << "scheduled sync started; the next one:" << nextRun();
    emit syncTriggered(now);
    emit nextRunChanged(nextRun());
}

} // namespace pds
