//! Thin proc macro: reads the action spec and generates typed actions, executors and a dispatch table.
