#include "app/app.h"

int main(int argc, char** argv) { return tempo::app::run(argc, argv); }
