# journey_lib.sh: helpers for the t_journey_* tests (sourced after lib.sh).
#
#   form_field        the path of the launch form's selected field (the
#                     line under the form, three above the bottom)
#   form_to PATH      Tab through the form until PATH is selected, each
#                     Tab waited for (Tabs sent ahead of a busy console
#                     would overshoot the field)

form_field() { pane | sed -n "$((${ROWS:-40} - 3))p"; }

form_to() {
	local cur i
	wait_form "" || return 1
	for i in $(seq 16); do
		cur=$(form_field)
		[ "$cur" = "$1" ] && return 0
		keys Tab
		WAIT=5 wait_cmd sh -c "[ \"\$(tmux -L $SOCK capture-pane -p -t dl | sed -n '$((${ROWS:-40} - 3))p')\" != '$cur' ]" ||
			return 1
	done
	return 1
}
