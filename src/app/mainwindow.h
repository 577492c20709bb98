#pragma once

#include "api/accountinfo.h"
#include "databasetasks.h"
#include "interaction.h"
#include "sync/synctypes.h"

#include <QMainWindow>
#include <QPointer>
#include <QSet>

#include <array>
#include <functional>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;

namespace Ui {
class MainWindow;
}

namespace pds {

class ConnectionTester;
class DatabaseWorker;
class Scheduler;
class Settings;
class SettingsDialog;
class StallMonitor;
class SyncRunner;
class TokenStore;
class Tray;

// The dashboard (one row per entity: Sync button, progress, rate, time left, last result;
// Sync all, Cancel, Dry run; the connection line), the Stats and Problems views, and the way to
// the settings. The GUI thread only draws: the sync runs in SyncRunner's worker thread, database
// reads in DatabaseWorker's, keychain and network calls are asynchronous.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // The application's settings and the OS keychain.
    explicit MainWindow(QWidget *parent = nullptr);
    // Settings and store owned by the caller (tests, other front ends).
    MainWindow(Settings *settings, TokenStore *store, QWidget *parent = nullptr);
    ~MainWindow() override;

    // How to ask the user and the desktop (tests answer at once).
    void setInteraction(const Interaction &interaction);

    // Shows the connection line and the views; opens the settings on a first start (no domain
    // or no token).
    void start();

    SettingsDialog *openSettings(); // window-modal, without a nested event loop
    SettingsDialog *settingsDialog() const;

    void syncEntities(const QList<pds::Entity> &entities);
    void syncAll();
    void cancelSync();
    // Asks first (Interaction::confirm), then clears in the database worker.
    void requestClearMappings(const QList<pds::Entity> &entities);
    // Says which sync it would take back and asks first (Interaction::confirm), then undoes it
    // in the database worker; runUndone() tells how it went.
    void requestUndoLastRun();
    void refreshViews();
    void exportProblems(); // asks for a file, writes it in the database worker

    bool isSyncing() const;
    bool isBusy() const; // syncing, preparing a sync, clearing or undoing
    // The longest event-loop stall measured during the last sync (StallMonitor), in ms.
    qint64 lastSyncStallMs() const { return m_lastStallMs; }
    const tasks::StatsSnapshot &lastStats() const { return m_lastStats; }

    // Scheduled syncs and the tray (tests set the scheduler's clock and call its check()).
    Scheduler *scheduler() const { return m_scheduler; }
    Tray *tray() const { return m_tray; }
    // Quits even when the window would stay in the tray.
    void quit();

signals:
    void syncStarted();
    void syncFinished(const pds::RunSummary &summary);
    void viewsRefreshed();
    void mappingsCleared(qint64 removedMappings, const QString &error);
    // After "Undo last sync": whether a sync was taken back, and what was done or why not.
    // Not sent when the user declines.
    void runUndone(bool undone, const QString &message);
    void connectionChecked(bool ok);
    void problemsExported(const QString &path, qint64 count, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    struct EntityRow
    {
        QLabel *name = nullptr;
        QPushButton *sync = nullptr;
        QProgressBar *progress = nullptr;
        QLabel *records = nullptr;
        QLabel *rate = nullptr;
        QLabel *eta = nullptr;
        QLabel *result = nullptr;
    };

    void setUp();
    void buildEntityRows();
    EntityRow &row(Entity entity) { return m_rows[size_t(entity)]; }
    void updateActions();
    void checkConnection();
    void updateConnectionLine();
    void launch(const SyncOptions &options);
    void readSecret(const QString &key, std::function<void(QString secret, QString error)> done);
    void onProgress(const SyncProgress &progress);
    void onEntityFinished(const EntityResult &result);
    void onSyncFinished(const RunSummary &summary);
    void clearMappingsNow(const QList<Entity> &entities);
    void undoNow(qint64 runId);
    void applyLastResults(const tasks::StatsSnapshot &snapshot);
    void setRowIdle(Entity entity);
    void showRunMessage(const QString &text, const QString &detail = {});
    void refreshDone();
    void showAbout();
    bool startScheduledSync(); // false while busy: the run stays due
    void failScheduledSync(const QString &reason);
    void updateScheduleLine();
    void showFromTray();

    std::unique_ptr<Ui::MainWindow> m_ui;
    std::unique_ptr<Settings> m_ownedSettings;
    Settings *m_settings = nullptr;
    TokenStore *m_store = nullptr;
    Interaction m_interaction;
    ConnectionTester *m_tester = nullptr;
    DatabaseWorker *m_worker = nullptr;
    SyncRunner *m_runner = nullptr;
    StallMonitor *m_stallMonitor = nullptr;
    Scheduler *m_scheduler = nullptr;
    Tray *m_tray = nullptr;
    QLabel *m_scheduleLabel = nullptr; // the next scheduled sync, in the status bar
    std::array<EntityRow, 6> m_rows;
    QPointer<SettingsDialog> m_settingsDialog;

    bool m_preparing = false; // reading secrets before a sync
    bool m_clearing = false;
    bool m_undoing = false;
    QAction *m_undoAction = nullptr; // Sync > Undo last sync
    bool m_cancelRequested = false;
    bool m_dryRun = false; // the running (or last) sync writes nothing
    bool m_scheduledRun = false; // the sync being prepared or running was started by the schedule
    bool m_quitting = false;
    QSet<int> m_runEntities; // entities of the running sync that have not finished yet
    int m_refreshesPending = 0;
    bool m_refreshAgain = false;
    qint64 m_lastStallMs = -1;
    tasks::StatsSnapshot m_lastStats;

    enum class ConnectionState { Unknown, NotConfigured, Checking, Connected, Failed };
    ConnectionState m_connectionState = ConnectionState::Unknown;
    AccountInfo m_account;
    QString m_connectionError;
    RateLimitInfo m_rateLimit;
};

} // namespace pds
