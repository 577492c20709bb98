#pragma once

#include <QLoggingCategory>

// The desktop app's logging category (pds.ui), beside the core's pds.api, pds.sync, pds.db.
Q_DECLARE_LOGGING_CATEGORY(lcUi)
