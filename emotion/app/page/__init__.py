"""The Gradio page: its layout (views), what each event does (handlers, stream_handlers), the wiring (events),
its own components, settings, CSS and JavaScript."""
