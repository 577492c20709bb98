// app-screenshots: drives the real MainWindow against a running fake Pipedrive server and saves
// a PNG of each main screen (dashboard during and after a sync, settings, stats, problems).
// scripts/screenshots.sh starts the fake server and runs this under Xvfb. Settings and database
// live in a temporary folder; the token is kept in memory, never in the real keychain.

#include "config/settings.h"
#include "config/tokenstore.h"
#include "mainwindow.h"
#include "settingsdialog.h"
#include "translations.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QProgressBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

bool save(QWidget *widget, const QString &path)
{
    const bool ok = widget->grab().save(path, "PNG");
    std::fprintf(stderr, "%s %s\n", ok ? "wrote" : "could not write", qPrintable(path));
    return ok;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"PipedriveSyncScreenshots"_s);
    QApplication::setApplicationName(u"pipedrive-sync"_s);
    QCommandLineParser parser;
    const QCommandLineOption url(u"url"_s, u"Base URL of the fake Pipedrive server."_s, u"URL"_s);
    const QCommandLineOption token(u"token"_s, u"Its API token."_s, u"TOKEN"_s, u"test-token"_s);
    const QCommandLineOption out(u"out"_s, u"Folder for the PNG files."_s, u"DIR"_s);
    const QCommandLineOption language(
        u"language"_s, u"Locale of the texts (en, de)."_s, u"L"_s, u"en"_s);
    parser.addOptions({ url, token, out, language });
    parser.addHelpOption();
    parser.process(app);
    if (!parser.isSet(url) || !parser.isSet(out))
        parser.showHelp(2);
    QLocale::setDefault(QLocale(parser.value(language)));
    pds::installTranslations(QLocale(parser.value(language)));
    QApplication::setApplicationDisplayName(QApplication::translate("main", "Pipedrive Sync"));

    QTemporaryDir dir;
    const QDir outDir(parser.value(out));
    pds::Settings settings(dir.filePath(u"settings.ini"_s));
    const QString domain = parser.value(url);
    settings.setCompanyDomain(domain);
    settings.setDatabaseUrl(u"sqlite:"_s + dir.filePath(u"crm.sqlite3"_s));
    settings.setPageSize(100);
    pds::MemoryTokenStore store;
    store.writeSecret(pds::TokenStore::tokenKey(domain), parser.value(token));

    pds::MainWindow window(&settings, &store);
    window.resize(1180, 640);
    window.show();
    auto *tabs = window.findChild<QTabWidget *>(u"tabs"_s);
    int failures = 0;
    auto shoot = [&](QWidget *widget, const QString &name) {
        if (!save(widget, outDir.filePath(name)))
            ++failures;
    };

    // The steps, each started by the event that says the window is ready for it.
    bool syncingShot = false;
    QObject::connect(&window, &pds::MainWindow::syncStarted, &window, [&] {
        // Mid-run: some entities done, the others still under way.
        auto *timer = new QTimer(&window);
        QObject::connect(timer, &QTimer::timeout, &window, [&, timer] {
            auto *persons = window.findChild<QProgressBar *>(u"progressBar_persons"_s);
            auto *activities = window.findChild<QProgressBar *>(u"progressBar_activities"_s);
            if (syncingShot || !window.isSyncing() || persons->maximum() <= 1
                || activities->maximum() != 0)
                return;
            syncingShot = true;
            timer->stop();
            shoot(&window, u"dashboard-syncing.png"_s);
        });
        timer->start(100);
    });
    auto shootSettings = [&] {
        tabs->setCurrentIndex(0);
        pds::SettingsDialog *dialog = window.openSettings();
        QObject::connect(dialog, &pds::SettingsDialog::connectionTested, dialog, [&, dialog] {
            shoot(dialog, u"settings.png"_s);
            dialog->reject();
            app.exit(failures == 0 ? 0 : 1);
        });
        QObject::connect(dialog, &pds::SettingsDialog::secretsLoaded, dialog,
            &pds::SettingsDialog::testConnection);
    };
    auto shootProblems = [&] {
        // Persons' problems have links into Pipedrive (notes have no page of their own).
        QObject::connect(
            &window, &pds::MainWindow::viewsRefreshed, &window,
            [&] {
                tabs->setCurrentIndex(2);
                shoot(&window, u"problems.png"_s);
                shootSettings();
            },
            Qt::SingleShotConnection);
        auto *entity = window.findChild<QComboBox *>(u"entityFilterCombo"_s);
        entity->setCurrentIndex(entity->findData(u"persons"_s));
    };
    QObject::connect(&window, &pds::MainWindow::syncFinished, &window, [&] {
        QObject::connect(
            &window, &pds::MainWindow::viewsRefreshed, &window,
            [&] {
                shoot(&window, u"dashboard.png"_s);
                tabs->setCurrentIndex(1);
                shoot(&window, u"stats.png"_s);
                shootProblems();
            },
            Qt::SingleShotConnection);
    });
    QObject::connect(
        &window, &pds::MainWindow::viewsRefreshed, &window, [&] { window.syncAll(); },
        Qt::SingleShotConnection);
    window.start();

    QTimer::singleShot(10 * 60 * 1000, &app, [&] {
        std::fprintf(stderr, "app-screenshots: gave up after 10 minutes\n");
        app.exit(3);
    });
    return app.exec();
}
