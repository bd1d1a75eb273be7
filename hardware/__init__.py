"""Scan sources: keyboard-wedge bursts, serial scanners, webcams. Emits plain Scan records."""
