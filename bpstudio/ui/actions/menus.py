"""The menu bar: File (projects, data, models), Train, View (docks, layout), Examples, Help."""

from PySide6.QtWidgets import QMenu

from .help import math_html, shortcuts_html, show_about, show_text
from .run_controls import make_action


def build_menus(window):
    """Fill ``window``'s menu bar from its action groups (projects, files, controls, examples) and docks."""
    bar = window.menuBar()
    _add_all(bar.addMenu("&File"), _file_items(window))
    _add_all(bar.addMenu("&Train"), (window.controls.toggle, *window.controls.actions))
    view = bar.addMenu("&View")
    _add_all(view, [dock.toggleViewAction() for dock in window.docks.values()])
    view.addSeparator()
    view.addAction(make_action(window, "Log-scale cost", window.curves.log_y.toggle, "Ctrl+L"))
    view.addAction(make_action(window, "Reset layout", window.reset_layout))
    bar.addMenu(window.examples.menu)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(make_action(window, "Keyboard shortcuts", lambda: show_text(
        window, "Keyboard shortcuts", shortcuts_html(), "Keyboard shortcuts"), "F1"))
    help_menu.addAction(make_action(window, "The math",
                                    lambda: show_text(window, "The math", math_html(), "The math")))
    help_menu.addAction(make_action(window, "About bpstudio", lambda: show_about(window)))


def _file_items(window):
    p, f = window.projects, window.files
    return (p.act_new, p.act_open, p.recent_menu, p.act_save, p.act_save_as, None,
            f.act_open, f.recent_menu, None, f.act_export, f.act_import, None,
            make_action(window, "Quit", window.close, "Ctrl+Q"))


def _add_all(menu, items):
    """Actions, submenus and (for None) separators, in order."""
    for item in items:
        if item is None:
            menu.addSeparator()
        elif isinstance(item, QMenu):
            menu.addMenu(item)
        else:
            menu.addAction(item)
