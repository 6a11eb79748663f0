"""The Gradio page: a module per tab (upload_tab, webcam_tab, video_tab, about_tab), each making and wiring its own
components, and what they share (photo_results, components, notices, settings, page.css, page.js)."""
