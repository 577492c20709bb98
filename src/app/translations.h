#pragma once

#include <QLocale>

namespace pds {

// Installs the app's translation for `locale` (embedded at :/i18n/) and Qt's own for the
// standard dialogs, replacing what an earlier call installed. Returns whether the app's own
// translation was found (English needs none: the sources are English).
bool installTranslations(const QLocale &locale = QLocale());

} // namespace pds
