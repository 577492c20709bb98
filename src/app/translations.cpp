#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace pds {

namespace {
QTranslator *appTranslator = nullptr;
QTranslator *qtTranslator = nullptr;
} // namespace

bool installTranslations(const QLocale &locale)
{
    for (QTranslator **translator : { &appTranslator, &qtTranslator }) {
        if (*translator) {
            QCoreApplication::removeTranslator(*translator);
            delete *translator;
            *translator = nullptr;
        }
    }
    auto app = std::make_unique<QTranslator>();
    const bool found = app->load(
        locale, QStringLiteral("pipedrive-sync"), QStringLiteral("_"), QStringLiteral(":/i18n"));
    if (found) {
        appTranslator = app.release();
        QCoreApplication::installTranslator(appTranslator);
    }
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
            QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        qtTranslator = qt.release();
        QCoreApplication::installTranslator(qtTranslator);
    }
    return found;
}

} // namespace pds
