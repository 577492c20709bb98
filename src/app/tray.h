#pragma once

#include "sync/synctypes.h"

#include <QDateTime>
#include <QIcon>
#include <QObject>

#include <memory>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace pds {

struct Schedule;

// The tray icon while the app runs: its state (idle, syncing, the last outcome), a tooltip with
// the last result and the next scheduled sync, a menu (open the window, sync all, quit), and a
// notification when a scheduled sync finishes or fails. The state is kept here whether or not
// the desktop has a tray: without one (offscreen, CI, some desktops) nothing is shown, the
// notifications only reach the log and `notified`, and the app works as before.
class Tray : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Syncing, Succeeded, FinishedWithProblems, Cancelled, Failed };
    Q_ENUM(State)

    explicit Tray(QObject *parent = nullptr);
    ~Tray() override;

    bool isAvailable() const { return m_icon != nullptr; } // a real icon is shown

    State state() const { return m_state; }
    QString lastResult() const { return m_lastResult; } // "" before the first sync
    QDateTime lastResultAt() const { return m_lastResultAt; }
    QDateTime nextRun() const { return m_nextRun; }
    QString toolTip() const;
    QIcon icon() const;
    QMenu *menu() const { return m_menu.get(); }
    QAction *showAction() const { return m_showAction; }
    QAction *syncAllAction() const { return m_syncAllAction; }
    QAction *quitAction() const { return m_quitAction; }

    void setNextRun(const QDateTime &next);
    void setSyncEnabled(bool enabled);
    void syncStarted(bool scheduled);
    void syncFinished(const pds::RunSummary &summary, bool scheduled);
    // A scheduled sync that could not begin (no token, the keychain locked, ...).
    void scheduledSyncNotStarted(const QString &reason);

signals:
    void changed(); // state, tooltip or icon
    void notified(const QString &title, const QString &message, bool failure);
    void showWindowRequested();
    void syncAllRequested();
    void quitRequested();

private:
    void update();
    void notify(const QString &title, const QString &message, bool failure);

    State m_state = State::Idle;
    bool m_scheduledRun = false;
    QString m_lastResult;
    QDateTime m_lastResultAt;
    QDateTime m_nextRun;
    std::unique_ptr<QMenu> m_menu;
    QAction *m_showAction = nullptr;
    QAction *m_syncAllAction = nullptr;
    QAction *m_quitAction = nullptr;
    QSystemTrayIcon *m_icon = nullptr;
};

// Closing the window leaves the app running in the tray only with a schedule to keep, the
// setting on, and a tray to come back from: otherwise the app would run on invisibly.
bool keepsRunningInTray(const Schedule &schedule, bool keepInTraySetting, bool trayAvailable);

} // namespace pds
