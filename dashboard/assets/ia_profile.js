/* AG Grid cell renderer for the profile's sparklines: an <img> of the SVG data URI built on the server
   (dashboard/components/profile_parts.py) with the series described in its alt text. */
window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
window.dashAgGridComponentFunctions.IaSparkline = function (props) {
  if (!props.value) { return null; }
  return React.createElement("img", {
    src: props.value, alt: (props.data && props.data.spark_alt) || "", width: 120, height: 28,
    className: "ia-sparkline", "data-breaks": (props.data && props.data.breaks) || ""
  });
};
