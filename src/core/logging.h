#pragma once

#include <QLoggingCategory>

// One logging category per area, as the architecture asks (pds.api, pds.sync, pds.db).
Q_DECLARE_LOGGING_CATEGORY(lcApi)
Q_DECLARE_LOGGING_CATEGORY(lcSync)
Q_DECLARE_LOGGING_CATEGORY(lcDb)
