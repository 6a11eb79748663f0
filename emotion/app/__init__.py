"""The web app: the Gradio page (emotion.app.page), REST beside it (rest), the middleware no client gets past
(guard), how refusals are answered (answers), the one temporary folder (scratch) and the request log
(requestlog). emotion.app.demo.build_demo puts them together."""
