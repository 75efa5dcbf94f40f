// Draws nothing: this widget exists so that page.css ships inside the package and is applied to
// the page (anywidget adds a widget's stylesheet to the document when it is shown).
export default { render() {} };
