"""Scan sources: keyboard-wedge burst detection, serial scanners, webcams. Emits plain Scan records."""
