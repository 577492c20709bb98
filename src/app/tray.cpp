#include "tray.h"

#include "config/schedule.h"
#include "uilogging.h"
#include "usertext.h"

#include <QApplication>
#include <QLocale>
#include <QMenu>
#include <QStyle>
#include <QSystemTrayIcon>

namespace pds {

namespace {

QString whenText(const QDateTime &time)
{
    const QDateTime local = time.toLocalTime();
    if (local.date() == QDate::currentDate())
        return QLocale().toString(local.time(), QLocale::ShortFormat);
    return QLocale().toString(local, QLocale::ShortFormat);
}

Tray::State stateFor(SyncOutcome outcome)
{
    switch (outcome) {
    case SyncOutcome::Succeeded:
        return Tray::State::Succeeded;
    case SyncOutcome::FinishedWithProblems:
        return Tray::State::FinishedWithProblems;
    case SyncOutcome::Cancelled:
        return Tray::State::Cancelled;
    case SyncOutcome::Failed:
        break;
    }
    return Tray::State::Failed;
}

} // namespace

Tray::Tray(QObject *parent)
    : QObject(parent)
    , m_menu(std::make_unique<QMenu>())
{
    m_showAction = m_menu->addAction(tr("&Open Pipedrive Sync"));
    m_syncAllAction
        = m_menu->addAction(QIcon(QStringLiteral(":/icons/sync-all.svg")), tr("&Sync all now"));
    m_menu->addSeparator();
    m_quitAction = m_menu->addAction(tr("&Quit"));
    connect(m_showAction, &QAction::triggered, this, &Tray::showWindowRequested);
    connect(m_syncAllAction, &QAction::triggered, this, &Tray::syncAllRequested);
    connect(m_quitAction, &QAction::triggered, this, &Tray::quitRequested);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_icon = new QSystemTrayIcon(this);
        m_icon->setContextMenu(m_menu.get());
        connect(m_icon, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    emit showWindowRequested();
            });
        connect(m_icon, &QSystemTrayIcon::messageClicked, this, &Tray::showWindowRequested);
    } else {
        qCInfo(lcUi) << "no system tray: the app runs without a tray icon";
    }
    update();
    if (m_icon)
        m_icon->show();
}

Tray::~Tray() = default;

QString Tray::toolTip() const
{
    QStringList lines { tr("Pipedrive Sync") };
    if (m_state == State::Syncing)
        lines << (m_scheduledRun ? tr("Scheduled sync running…") : tr("Syncing…"));
    if (!m_lastResult.isEmpty())
        lines << tr("Last sync (%1): %2").arg(whenText(m_lastResultAt), m_lastResult);
    if (m_nextRun.isValid())
        lines << tr("Next scheduled sync: %1").arg(whenText(m_nextRun));
    else
        lines << tr("No scheduled syncs.");
    return lines.join(QLatin1Char('\n'));
}

QIcon Tray::icon() const
{
    switch (m_state) {
    case State::Syncing:
        return QIcon(QStringLiteral(":/icons/sync.svg"));
    case State::Failed:
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    case State::Idle:
    case State::Succeeded:
    case State::FinishedWithProblems:
    case State::Cancelled:
        break;
    }
    return QIcon(QStringLiteral(":/icons/pipedrive-sync.svg"));
}

void Tray::setNextRun(const QDateTime &next)
{
    m_nextRun = next;
    update();
}

void Tray::setSyncEnabled(bool enabled)
{
    m_syncAllAction->setEnabled(enabled);
}

void Tray::syncStarted(bool scheduled)
{
    m_state = State::Syncing;
    m_scheduledRun = scheduled;
    update();
}

void Tray::syncFinished(const RunSummary &summary, bool scheduled)
{
    m_state = stateFor(summary.outcome);
    m_scheduledRun = false;
    m_lastResult = UserText::summary(summary);
    m_lastResultAt = QDateTime::currentDateTimeUtc();
    update();
    if (!scheduled)
        return;
    const bool failed = m_state == State::Failed;
    notify(
        failed ? tr("Scheduled sync failed") : tr("Scheduled sync finished"), m_lastResult, failed);
}

void Tray::scheduledSyncNotStarted(const QString &reason)
{
    m_state = State::Failed;
    m_scheduledRun = false;
    m_lastResult = reason;
    m_lastResultAt = QDateTime::currentDateTimeUtc();
    update();
    notify(tr("Scheduled sync failed"), reason, true);
}

void Tray::update()
{
    if (m_icon) {
        m_icon->setIcon(icon());
        m_icon->setToolTip(toolTip());
    }
    emit changed();
}

void Tray::notify(const QString &title, const QString &message, bool failure)
{
    qCInfo(lcUi).noquote() << "notification:" << title << "-" << message;
    if (m_icon && QSystemTrayIcon::supportsMessages())
        m_icon->showMessage(
            title, message, failure ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
    emit notified(title, message, failure);
}

bool keepsRunningInTray(const Schedule &schedule, bool keepInTraySetting, bool trayAvailable)
{
    return !schedule.isOff() && keepInTraySetting && trayAvailable;
}

} // namespace pds
