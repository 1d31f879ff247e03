/*
 * welcome.h: the first screen before any data: a helpful empty state.
 */
#ifndef DATALAB_UI_WELCOME_H
#define DATALAB_UI_WELCOME_H

#include "datalab/ui/app.h"

struct view *welcome_new(void);

#endif
