// Tests of scheduled syncs: the next-run calculator for each kind of schedule (with daylight-saving
// days in a fixed zone), the Scheduler on a ManualClock (no waiting on real time: the tests move
// the clock and call check()), the tray's state and notifications, and a due schedule starting a
// real sync in MainWindow against the fake Pipedrive server.

#include "appsettings.h"
#include "config/schedule.h"
#include "config/settings.h"
#include "config/tokenstore.h"
#include "fakepipedrive.h"
#include "mainwindow.h"
#include "scheduler.h"
#include "settingsdialog.h"
#include "tray.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTimeEdit>
#include <QUuid>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using pds::MainWindow;
using pds::ManualClock;
using pds::RunSummary;
using pds::Schedule;
using pds::Scheduler;
using pds::Tray;

namespace {

QDateTime utc(int y, int mo, int d, int h, int mi = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi), Qt::UTC);
}

Schedule everyHours(int hours)
{
    Schedule schedule;
    schedule.kind = Schedule::Kind::EveryHours;
    schedule.everyHours = hours;
    return schedule;
}

Schedule dailyAt(int hour, int minute = 0)
{
    Schedule schedule;
    schedule.kind = Schedule::Kind::DailyAt;
    schedule.dailyAt = QTime(hour, minute);
    return schedule;
}

const QTimeZone Berlin("Europe/Berlin");

} // namespace

Q_DECLARE_METATYPE(Schedule)

class TestScheduler : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<pds::Settings> m_settings;

    // A window set up for the fake server, its token in memory (the keychain is tested in
    // tst_mainwindow), with the schedule given and the clock at `now`.
    struct Setup
    {
        std::unique_ptr<pds::test::FakePipedriveServer> server;
        std::unique_ptr<pds::MemoryTokenStore> store;
        std::unique_ptr<MainWindow> window;
    };

    void setUpWindow(Setup &setup, const Schedule &schedule, ManualClock &clock, bool withToken)
    {
        setup.server = std::make_unique<pds::test::FakePipedriveServer>();
        setup.server->generate(3, { 3, 10, 15, 8, 10, 5 });
        const QString token = u"tok-"_s + QUuid::createUuid().toString(QUuid::Id128);
        setup.server->setApiToken(token);
        QVERIFY(setup.server->listen() != 0);
        const QString domain = setup.server->baseUrl().toString();
        m_settings->setCompanyDomain(domain);
        m_settings->setDatabaseUrl(u"sqlite:"_s + m_dir->filePath(u"crm.sqlite3"_s));
        schedule.save(*m_settings);
        m_settings->sync();
        setup.store = std::make_unique<pds::MemoryTokenStore>();
        if (withToken) {
            QSignalSpy written(setup.store.get(), &pds::TokenStore::secretWritten);
            setup.store->writeSecret(pds::TokenStore::tokenKey(domain), token);
            QVERIFY(written.wait(5000));
        }
        setup.window = std::make_unique<MainWindow>(m_settings.get(), setup.store.get());
        setup.window->scheduler()->setClock(&clock);
        setup.window->show();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PDS_BCRYPT_COST", "4");
        qunsetenv("PIPEDRIVE_API_TOKEN");
        qunsetenv("PIPEDRIVE_COMPANY_DOMAIN");
        qRegisterMetaType<RunSummary>();
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_settings = std::make_unique<pds::Settings>(m_dir->filePath(u"settings.ini"_s));
    }

    void cleanup()
    {
        m_settings.reset();
        m_dir.reset();
    }

    // ---- The calculator ------------------------------------------------------------------------

    void nextRun_data()
    {
        QTest::addColumn<Schedule>("schedule");
        QTest::addColumn<QDateTime>("after");
        QTest::addColumn<QDateTime>("expected");

        QTest::newRow("off never runs") << Schedule() << utc(2024, 6, 1, 12) << QDateTime();
        QTest::newRow("every 4 hours")
            << everyHours(4) << utc(2024, 6, 1, 12) << utc(2024, 6, 1, 16);
        QTest::newRow("every hour over midnight")
            << everyHours(1) << utc(2024, 6, 1, 23, 30) << utc(2024, 6, 2, 0, 30);
        // Elapsed time: the spring-forward night still has 3 real hours between the runs
        // (00:30 CET -> 04:30 CEST on the wall clock).
        QTest::newRow("every 3 hours across spring forward")
            << everyHours(3) << utc(2024, 3, 30, 23, 30) << utc(2024, 3, 31, 2, 30);
        QTest::newRow("every hours clamped to at least one")
            << everyHours(0) << utc(2024, 6, 1, 12) << utc(2024, 6, 1, 13);

        // Daily at 03:00 Berlin: 01:00 UTC in summer (CEST), 02:00 UTC in winter (CET).
        QTest::newRow("daily, later the same day")
            << dailyAt(3) << utc(2024, 6, 1, 0) << utc(2024, 6, 1, 1);
        QTest::newRow("daily, already past today")
            << dailyAt(3) << utc(2024, 6, 1, 12) << utc(2024, 6, 2, 1);
        QTest::newRow("daily, exactly at the time runs the next day")
            << dailyAt(3) << utc(2024, 6, 1, 1) << utc(2024, 6, 2, 1);
        QTest::newRow("daily in winter")
            << dailyAt(3) << utc(2024, 1, 10, 12) << utc(2024, 1, 11, 2);
        QTest::newRow("daily keeps the wall clock across spring forward")
            << dailyAt(3) << utc(2024, 3, 30, 12) << utc(2024, 3, 31, 1);
        QTest::newRow("daily keeps the wall clock across fall back")
            << dailyAt(3) << utc(2024, 10, 26, 12) << utc(2024, 10, 27, 2);
        // 02:30 does not exist on 31 March 2024 in Berlin: right after the jump, 03:30 CEST.
        QTest::newRow("daily in the spring-forward gap")
            << dailyAt(2, 30) << utc(2024, 3, 30, 12) << utc(2024, 3, 31, 1, 30);
        // 02:30 happens twice on 27 October 2024: the first, 02:30 CEST = 00:30 UTC ...
        QTest::newRow("daily in the fall-back overlap")
            << dailyAt(2, 30) << utc(2024, 10, 26, 12) << utc(2024, 10, 27, 0, 30);
        // ... and not again an hour later (02:30 CET): the next is the next day's.
        QTest::newRow("daily runs once on the fall-back day")
            << dailyAt(2, 30) << utc(2024, 10, 27, 0, 30) << utc(2024, 10, 28, 1, 30);
        QTest::newRow("daily at midnight")
            << dailyAt(0) << utc(2024, 6, 1, 22, 30) << utc(2024, 6, 2, 22);
    }

    void nextRun()
    {
        QFETCH(Schedule, schedule);
        QFETCH(QDateTime, after);
        QFETCH(QDateTime, expected);
        QVERIFY(Berlin.isValid());
        const QDateTime next = schedule.nextRunAfter(after, Berlin);
        QCOMPARE(next.isValid(), expected.isValid());
        if (expected.isValid())
            QCOMPARE(next.toUTC(), expected);
    }

    void nextRunIsStrictlyLaterForEveryKindAndZone()
    {
        const QList<QTimeZone> zones { QTimeZone::utc(), Berlin, QTimeZone("America/New_York"),
            QTimeZone("Australia/Lord_Howe") /* half-hour DST */ };
        const QList<Schedule> schedules { everyHours(1), everyHours(24), dailyAt(0), dailyAt(2, 15),
            dailyAt(23, 59) };
        for (const QTimeZone &zone : zones) {
            QVERIFY(zone.isValid());
            for (const Schedule &schedule : schedules) {
                // A year in steps of 7 h 13 min passes every transition at many times of day.
                for (QDateTime t = utc(2024, 1, 1, 0); t < utc(2025, 1, 1, 0);
                     t = t.addSecs(26000)) {
                    const QDateTime next = schedule.nextRunAfter(t, zone);
                    QVERIFY(next > t);
                    QVERIFY2(t.secsTo(next) <= 26 * 3600,
                        qPrintable(
                            t.toString(Qt::ISODate) + u" -> "_s + next.toString(Qt::ISODate)));
                    if (schedule.kind == Schedule::Kind::DailyAt
                        && schedule.dailyAt != QTime(2, 15)) // 02:15 falls into some gaps
                        QCOMPARE(next.toTimeZone(zone).time(), schedule.dailyAt);
                }
            }
        }
    }

    void scheduleIsSavedInTheSettings()
    {
        QCOMPARE(Schedule::load(*m_settings), Schedule()); // off by default
        for (const Schedule &schedule : { everyHours(6), dailyAt(22, 45), Schedule() }) {
            schedule.save(*m_settings);
            m_settings->sync();
            pds::Settings again(m_settings->fileName());
            QCOMPARE(Schedule::load(again), schedule);
        }
        m_settings->setValue(u"schedule/everyHours"_s, 100000);
        QCOMPARE(Schedule::load(*m_settings).everyHours, Schedule::MaxHours);
    }

    // ---- The scheduler -------------------------------------------------------------------------

    void dueScheduleStartsOneSync()
    {
        everyHours(2).save(*m_settings);
        ManualClock clock(utc(2024, 6, 1, 8));
        Scheduler scheduler(*m_settings);
        scheduler.setClock(&clock);
        int starts = 0;
        scheduler.setStartSync([&starts] {
            ++starts;
            return true;
        });
        QSignalSpy triggered(&scheduler, &Scheduler::syncTriggered);
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 1, 10)); // counted from when it was set

        clock.advance(2 * 3600 - 60);
        scheduler.check();
        QCOMPARE(starts, 0);
        clock.advance(60);
        scheduler.check();
        QCOMPARE(starts, 1);
        QCOMPARE(triggered.size(), 1);
        QCOMPARE(scheduler.lastRun(), utc(2024, 6, 1, 10));
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 1, 12));
        scheduler.check(); // the same moment again: nothing more
        QCOMPARE(starts, 1);
    }

    void missedRunsCollapseIntoOne()
    {
        dailyAt(3).save(*m_settings);
        // The last scheduled sync was three days ago; the app was closed since.
        m_settings->setValue(QString::fromLatin1(pds::scheduleKeys::LastRun),
            utc(2024, 6, 1, 1).toString(Qt::ISODate));
        ManualClock clock(utc(2024, 6, 4, 9));
        Scheduler scheduler(*m_settings);
        scheduler.setClock(&clock);
        scheduler.setTimeZone(Berlin);
        int starts = 0;
        scheduler.setStartSync([&starts] {
            ++starts;
            return true;
        });
        QVERIFY(scheduler.nextRun() < clock.now());
        scheduler.check();
        scheduler.check();
        QCOMPARE(starts, 1);
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 5, 1)); // tomorrow 03:00 Berlin
    }

    void busyAppKeepsTheRunDue()
    {
        everyHours(1).save(*m_settings);
        ManualClock clock(utc(2024, 6, 1, 8));
        Scheduler scheduler(*m_settings);
        scheduler.setClock(&clock);
        bool busy = true;
        int starts = 0;
        scheduler.setStartSync([&] {
            if (busy)
                return false;
            ++starts;
            return true;
        });
        clock.advance(3600);
        scheduler.check();
        QCOMPARE(starts, 0);
        QVERIFY(!scheduler.lastRun().isValid());
        clock.advance(600); // the manual sync is over ten minutes later
        busy = false;
        scheduler.check();
        QCOMPARE(starts, 1);
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 1, 10, 10));
    }

    void offScheduleNeverStarts()
    {
        ManualClock clock(utc(2024, 6, 1, 8));
        Scheduler scheduler(*m_settings);
        scheduler.setClock(&clock);
        int starts = 0;
        scheduler.setStartSync([&starts] {
            ++starts;
            return true;
        });
        QVERIFY(!scheduler.isActive());
        QVERIFY(!scheduler.nextRun().isValid());
        for (int i = 0; i < 100; ++i) {
            clock.advance(24 * 3600);
            scheduler.check();
        }
        QCOMPARE(starts, 0);
    }

    void changedScheduleCountsFromNow()
    {
        everyHours(8).save(*m_settings);
        m_settings->setValue(QString::fromLatin1(pds::scheduleKeys::LastRun),
            utc(2024, 6, 1, 0).toString(Qt::ISODate));
        ManualClock clock(utc(2024, 6, 1, 5));
        Scheduler scheduler(*m_settings);
        scheduler.setClock(&clock);
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 1, 8));
        QSignalSpy changed(&scheduler, &Scheduler::nextRunChanged);
        scheduler.reload(); // nothing changed: the anchor stays
        QCOMPARE(changed.size(), 0);
        everyHours(2).save(*m_settings);
        scheduler.reload();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(scheduler.nextRun(), utc(2024, 6, 1, 7));
        Schedule().save(*m_settings);
        scheduler.reload();
        QVERIFY(!scheduler.nextRun().isValid());
    }

    // ---- The tray ------------------------------------------------------------------------------

    void trayShowsStateAndNotifiesOnlyForScheduledSyncs()
    {
        Tray tray;
        // Under offscreen there is no tray; the state is kept all the same.
        if (QGuiApplication::platformName() == u"offscreen"_s)
            QVERIFY(!tray.isAvailable());
        QSignalSpy notified(&tray, &Tray::notified);
        QCOMPARE(tray.state(), Tray::State::Idle);
        QVERIFY(tray.toolTip().contains(u"No scheduled syncs"_s));

        const QDateTime next = QDateTime::currentDateTimeUtc().addSecs(3600);
        tray.setNextRun(next);
        QVERIFY2(tray.toolTip().contains(
                     QLocale().toString(next.toLocalTime().time(), QLocale::ShortFormat)),
            qPrintable(tray.toolTip()));

        tray.syncStarted(false);
        QCOMPARE(tray.state(), Tray::State::Syncing);
        pds::RunSummary ok;
        tray.syncFinished(ok, false);
        QCOMPARE(tray.state(), Tray::State::Succeeded);
        QCOMPARE(notified.size(), 0); // a sync the user started: they are watching
        QVERIFY(tray.toolTip().contains(tray.lastResult()));

        tray.syncStarted(true);
        QVERIFY(tray.toolTip().contains(u"Scheduled sync running"_s));
        tray.syncFinished(ok, true);
        QCOMPARE(notified.size(), 1);
        QCOMPARE(notified.at(0).at(0).toString(), u"Scheduled sync finished"_s);
        QCOMPARE(notified.at(0).at(2).toBool(), false);

        pds::RunSummary failed;
        failed.outcome = pds::SyncOutcome::Failed;
        failed.message = u"the network is down"_s;
        tray.syncStarted(true);
        tray.syncFinished(failed, true);
        QCOMPARE(tray.state(), Tray::State::Failed);
        QCOMPARE(notified.size(), 2);
        QCOMPARE(notified.at(1).at(0).toString(), u"Scheduled sync failed"_s);
        QVERIFY(notified.at(1).at(1).toString().contains(u"the network is down"_s));
        QCOMPARE(notified.at(1).at(2).toBool(), true);

        tray.scheduledSyncNotStarted(u"No API token"_s);
        QCOMPARE(notified.size(), 3);
        QCOMPARE(notified.at(2).at(2).toBool(), true);
        QCOMPARE(tray.lastResult(), u"No API token"_s);
    }

    void trayMenuAsksTheWindow()
    {
        Tray tray;
        QSignalSpy show(&tray, &Tray::showWindowRequested);
        QSignalSpy sync(&tray, &Tray::syncAllRequested);
        QSignalSpy quit(&tray, &Tray::quitRequested);
        tray.showAction()->trigger();
        tray.syncAllAction()->trigger();
        tray.quitAction()->trigger();
        QCOMPARE(show.size(), 1);
        QCOMPARE(sync.size(), 1);
        QCOMPARE(quit.size(), 1);
        tray.setSyncEnabled(false);
        QVERIFY(!tray.syncAllAction()->isEnabled());
    }

    // ---- In the window
    // ---------------------------------------------------------------------------

    void dueScheduleSyncsAllEntitiesThroughTheWindow()
    {
        ManualClock clock(QDateTime::currentDateTimeUtc());
        Setup setup;
        setUpWindow(setup, everyHours(1), clock, true);
        MainWindow &window = *setup.window;
        // The Dry run box is for the user's own syncs: a scheduled one writes.
        m_settings->setValue(QString::fromLatin1(pds::settingsKeys::DryRun), true);
        auto *scheduleLabel = window.findChild<QLabel *>(u"scheduleLabel"_s);
        QVERIFY(scheduleLabel);
        QVERIFY2(scheduleLabel->text().contains(u"Next scheduled sync"_s),
            qPrintable(scheduleLabel->text()));
        QSignalSpy started(&window, &MainWindow::syncStarted);
        QSignalSpy finished(&window, &MainWindow::syncFinished);
        QSignalSpy notified(window.tray(), &Tray::notified);

        clock.advance(59 * 60);
        window.scheduler()->check();
        QVERIFY(!window.isBusy());
        QCOMPARE(started.size(), 0);

        clock.advance(60);
        window.scheduler()->check();
        QVERIFY(window.isBusy()); // reading the credentials, then syncing
        QVERIFY(finished.wait(60000));
        QCOMPARE(started.size(), 1);
        const auto summary = finished.first().first().value<RunSummary>();
        QVERIFY2(summary.outcome == pds::SyncOutcome::Succeeded
                || summary.outcome == pds::SyncOutcome::FinishedWithProblems,
            qPrintable(summary.message));
        QCOMPARE(summary.entities.size(), pds::allEntities().size());
        QVERIFY(!summary.dryRun);
        QVERIFY(summary.totals().created > 0);

        QVERIFY(window.tray()->state() == Tray::State::Succeeded
            || window.tray()->state() == Tray::State::FinishedWithProblems);
        QCOMPARE(notified.size(), 1);
        QCOMPARE(notified.first().at(0).toString(), u"Scheduled sync finished"_s);
        QCOMPARE(notified.first().at(2).toBool(), false);
        QCOMPARE(window.scheduler()->lastRun(), clock.now());
        QCOMPARE(window.scheduler()->nextRun(), clock.now().addSecs(3600));

        // A sync the user starts is not announced.
        window.syncAll();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
        QCOMPARE(notified.size(), 1);
    }

    void scheduledSyncThatCannotStartNotifiesAFailure()
    {
        ManualClock clock(QDateTime::currentDateTimeUtc());
        Setup setup;
        setUpWindow(setup, everyHours(2), clock, false); // no token anywhere
        MainWindow &window = *setup.window;
        QSignalSpy notified(window.tray(), &Tray::notified);
        QSignalSpy started(&window, &MainWindow::syncStarted);
        clock.advance(2 * 3600);
        window.scheduler()->check();
        QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, 10000);
        QCOMPARE(notified.first().at(0).toString(), u"Scheduled sync failed"_s);
        QCOMPARE(notified.first().at(2).toBool(), true);
        QCOMPARE(window.tray()->state(), Tray::State::Failed);
        QCOMPARE(started.size(), 0);
        QVERIFY(!window.isBusy());
        // Tried once: not again until the next run is due.
        window.scheduler()->check();
        QCOMPARE(notified.size(), 1);
    }

    void scheduleWaitsWhileTheSettingsAreOpen()
    {
        ManualClock clock(QDateTime::currentDateTimeUtc());
        Setup setup;
        setUpWindow(setup, everyHours(1), clock, true);
        MainWindow &window = *setup.window;
        QSignalSpy started(&window, &MainWindow::syncStarted);
        QSignalSpy finished(&window, &MainWindow::syncFinished);
        pds::SettingsDialog *dialog = window.openSettings();
        clock.advance(3600);
        window.scheduler()->check();
        QVERIFY(!window.isBusy());
        QVERIFY(!window.scheduler()->lastRun().isValid());
        dialog->reject();
        QTRY_VERIFY(!window.settingsDialog());
        window.scheduler()->check();
        QVERIFY(finished.wait(60000));
        QCOMPARE(started.size(), 1);
    }

    void settingsDialogSavesTheSchedule()
    {
        ManualClock clock(utc(2024, 6, 1, 12));
        Setup setup;
        setUpWindow(setup, Schedule(), clock, true);
        MainWindow &window = *setup.window;
        QVERIFY(!window.scheduler()->nextRun().isValid());
        pds::SettingsDialog *dialog = window.openSettings();
        QSignalSpy loaded(dialog, &pds::SettingsDialog::secretsLoaded);
        QVERIFY(loaded.wait(5000));
        auto *kind = dialog->findChild<QComboBox *>(u"scheduleKindCombo"_s);
        auto *hours = dialog->findChild<QSpinBox *>(u"scheduleHoursSpin"_s);
        auto *time = dialog->findChild<QTimeEdit *>(u"scheduleTimeEdit"_s);
        auto *keep = dialog->findChild<QCheckBox *>(u"keepInTrayCheck"_s);
        QVERIFY(kind && hours && time && keep);
        QCOMPARE(kind->currentData().toInt(), int(Schedule::Kind::Off));
        QVERIFY(!keep->isEnabled());
        QVERIFY(keep->isChecked()); // on by default
        kind->setCurrentIndex(kind->findData(int(Schedule::Kind::EveryHours)));
        QVERIFY(!hours->isHidden());
        QVERIFY(time->isHidden());
        kind->setCurrentIndex(kind->findData(int(Schedule::Kind::DailyAt)));
        QVERIFY(hours->isHidden());
        QVERIFY(!time->isHidden());
        QVERIFY(keep->isEnabled());
        time->setTime(QTime(22, 15));
        keep->setChecked(false);

        QSignalSpy saved(dialog, &pds::SettingsDialog::saved);
        dialog->findChild<QDialogButtonBox *>(u"buttonBox"_s)
            ->button(QDialogButtonBox::Save)
            ->click();
        QVERIFY(saved.wait(5000));
        QCOMPARE(Schedule::load(*m_settings), dailyAt(22, 15));
        QVERIFY(!window.scheduler()->keepInTray());
        // The window's scheduler took the new schedule, counted from now.
        QCOMPARE(window.scheduler()->nextRun().toTimeZone(QTimeZone::systemTimeZone()).time(),
            QTime(22, 15));
        QVERIFY(window.scheduler()->nextRun() > clock.now());
    }

    void closingWithoutATrayEndsTheWindow()
    {
        if (QSystemTrayIcon::isSystemTrayAvailable())
            QSKIP("a tray is there: closing would keep the app in it");
        ManualClock clock(QDateTime::currentDateTimeUtc());
        Setup setup;
        setUpWindow(setup, everyHours(1), clock, true);
        QVERIFY(setup.window->scheduler()->keepInTray());
        QVERIFY(!setup.window->tray()->isAvailable());
        QVERIFY(setup.window->close()); // no tray to come back from: the window really closes
        QVERIFY(!setup.window->isVisible());
    }

    void closingKeepsTheAppInTheTrayOnlyWithAScheduleTheSettingAndATray()
    {
        QVERIFY(pds::keepsRunningInTray(everyHours(1), true, true));
        QVERIFY(pds::keepsRunningInTray(dailyAt(3), true, true));
        QVERIFY(!pds::keepsRunningInTray(Schedule(), true, true));
        QVERIFY(!pds::keepsRunningInTray(everyHours(1), false, true));
        QVERIFY(!pds::keepsRunningInTray(everyHours(1), true, false));
    }
};

QTEST_MAIN(TestScheduler)
#include "tst_scheduler.moc"
