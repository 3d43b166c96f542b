"""What every screen of the app shares (`AppContext`): the station core, who is logged
in, the language, the task runner, the core's change notifications and the devices.

Screens receive one `AppContext` and never reach for globals, so a test builds a
context on a fresh STATION_HOME and drives real widgets against it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from common.text import Text
from station.auth import User
from station.core import StationCore
from station.device_manager import DeviceManager
from ui.core_events import CoreEvents
from ui.device_hub import DeviceHub
from ui.tasks import Tasks


class AppContext(QObject):
    """The app's shared state; signals tell screens when the user or language changes."""

    user_changed = Signal(object)  # User | None
    language_changed = Signal(str)

    def __init__(self, core: StationCore, tasks: Tasks, *, lang: str | None = None) -> None:
        super().__init__()
        self.core = core
        self.tasks = tasks
        self.lang = lang or core.config.language
        self.user: User | None = None
        # The core's change notifications, on the GUI thread (screens `events.watch`).
        self.events = CoreEvents(core.events, self)
        # A failure no caller handled is shown in the app's language.
        tasks.language = lambda: self.lang
        # The devices: the core's manager (no Qt), relayed to the screens by the hub.
        self.device_manager = DeviceManager(lambda: core.config, core.events)
        self.devices = DeviceHub(self.device_manager, tasks, self.events, self)

    def t(self, text: Text) -> str:
        return text.get(self.lang)

    def set_user(self, user: User | None) -> None:
        self.user = user
        self.user_changed.emit(user)

    def close(self) -> None:
        """App exit: no new tasks, running ones cancelled and awaited, devices closed."""
        self.events.close()
        self.tasks.shutdown(10_000)
        self.devices.close_all()
